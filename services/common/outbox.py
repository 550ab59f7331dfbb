"""The transactional outbox: a state change and its domain event commit together or not at all.

Use cases hand domain events to :class:`OutboxWriter` inside their unit of work; a relay (in
``events/``) later reads the unpublished rows with :class:`OutboxReader`, publishes them to Kafka and
marks them published. Domain events need no import from here: anything with ``event_type``,
``schema_version``, ``checkout_id`` and ``payload()`` is one (:class:`DomainEvent`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from services.common.sqltypes import utc_now
from services.common.tables import outbox


class DomainEvent(Protocol):
    """What a service's event classes provide (plain dataclasses in its ``domain``)."""

    @property
    def event_type(self) -> str: ...

    @property
    def schema_version(self) -> int: ...

    @property
    def checkout_id(self) -> str | None: ...

    def payload(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class OutboxMessage:
    """One row of ``outbox``."""

    event_id: uuid.UUID
    event_type: str
    schema_version: int
    checkout_id: str | None
    payload: dict[str, Any]
    occurred_at: datetime
    published_at: datetime | None


class OutboxWriter:
    """Appends events to ``outbox`` in the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, event: DomainEvent) -> uuid.UUID:
        event_id = uuid.uuid4()
        self._session.execute(
            insert(outbox).values(
                event_id=event_id,
                event_type=event.event_type,
                schema_version=event.schema_version,
                checkout_id=event.checkout_id,
                payload=event.payload(),
                occurred_at=utc_now(),
                published_at=None,
            )
        )
        return event_id


def _message(row: Any) -> OutboxMessage:
    return OutboxMessage(
        event_id=row.event_id,
        event_type=row.event_type,
        schema_version=row.schema_version,
        checkout_id=row.checkout_id,
        payload=row.payload,
        occurred_at=row.occurred_at,
        published_at=row.published_at,
    )


class OutboxReader:
    """What a relay needs: the oldest unpublished events, and a way to mark them published."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def unpublished(self, limit: int = 100) -> list[OutboxMessage]:
        rows = self._session.execute(
            select(outbox)
            .where(outbox.c.published_at.is_(None))
            .order_by(outbox.c.occurred_at, outbox.c.event_id)
            .limit(limit)
        )
        return [_message(row) for row in rows]

    def for_checkout(self, checkout_id: str) -> list[OutboxMessage]:
        rows = self._session.execute(
            select(outbox).where(outbox.c.checkout_id == checkout_id).order_by(outbox.c.occurred_at)
        )
        return [_message(row) for row in rows]

    def mark_published(self, event_ids: Sequence[uuid.UUID]) -> None:
        if event_ids:
            self._session.execute(
                update(outbox).where(outbox.c.event_id.in_(list(event_ids))).values(published_at=utc_now())
            )
