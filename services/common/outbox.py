"""The transactional outbox: a state change and its domain event commit together or not at all.

Use cases hand domain events to :class:`OutboxWriter` inside their unit of work; a relay (in
``events/``) later reads the unpublished rows with :class:`OutboxReader`, publishes them to Kafka and
marks them published. Domain events need no import from here: anything with ``event_type``,
``schema_version``, ``checkout_id`` and ``payload()`` is one (:class:`DomainEvent`).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import (
    String,
    Text,
    Uuid,
    any_,
    bindparam,
    cast,
    column,
    func,
    insert,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from services.common.purge import delete_chunk
from services.common.sqltypes import utc_now
from services.common.tables import outbox
from telemetry.propagation import current_traceparent


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
    traceparent: str | None


class _StrictlyIncreasingClock:
    """UTC times that never repeat or go back within this process.

    The relay publishes in ``occurred_at`` order and one transaction often writes several events of
    one checkout; two reads of the wall clock can return the same microsecond, and then their order
    on the topic would depend on random event ids.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: datetime | None = None

    def now(self) -> datetime:
        with self._lock:
            now = utc_now()
            if self._last is not None and now <= self._last:
                now = self._last + timedelta(microseconds=1)
            self._last = now
            return now


_clock = _StrictlyIncreasingClock()


# Built once: every event of every service goes through it, and building it per event cost more CPU
# than the insert itself.
_ADD = insert(outbox)


class OutboxWriter:
    """Appends events to ``outbox`` in the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, event: DomainEvent) -> uuid.UUID:
        event_id = uuid.uuid4()
        self._session.execute(
            _ADD,
            {
                "event_id": event_id,
                "event_type": event.event_type,
                "schema_version": event.schema_version,
                "checkout_id": event.checkout_id,
                "payload": event.payload(),
                "occurred_at": _clock.now(),
                "published_at": None,
                "traceparent": current_traceparent(),
            },
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
        traceparent=row.traceparent,
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

    def backlog(self) -> int:
        """How many events wait to be published (an index-only count: the relay's index holds only them)."""
        count: int = self._session.execute(
            select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
        ).scalar_one()
        return count

    def for_checkout(self, checkout_id: str) -> list[OutboxMessage]:
        rows = self._session.execute(
            select(outbox).where(outbox.c.checkout_id == checkout_id).order_by(outbox.c.occurred_at)
        )
        return [_message(row) for row in rows]

    def mark_published(self, event_ids: Sequence[uuid.UUID]) -> None:
        """Mark the rows of ``event_ids``, each sent as the relay reads it: the canonical text on
        PostgreSQL, its 32 hex digits where there is no uuid type (SQLAlchemy's ``Uuid`` on SQLite and
        MariaDB)."""
        canonical = self._backend() == "postgresql"
        self.mark_stored_ids_published(
            [str(event_id) if canonical else event_id.hex for event_id in event_ids]
        )

    def mark_stored_ids_published(self, stored_ids: Sequence[str]) -> None:
        """Mark the rows whose ``event_id`` the relay read as ``stored_ids``: text on every backend (as
        stored on SQLite and MariaDB, cast to text on PostgreSQL). They go back as they came, with no
        UUID built or converted per id, which was the relay's largest cost per row."""
        if not stored_ids:
            return
        backend = self._backend()
        if backend == "postgresql":
            self._session.execute(_MARK_ANY_ID, {"event_ids": list(stored_ids), "now": utc_now()})
        elif backend == "sqlite":
            self._session.execute(_MARK_JSON_IDS, {"event_ids": json.dumps(stored_ids), "now": utc_now()})
        else:
            self._session.execute(_MARK_STORED_IDS, {"event_ids": list(stored_ids), "now": utc_now()})

    def purge_published(self, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` events published before ``before``; how many were deleted.

        No index serves published rows on PostgreSQL and SQLite (the relay's index holds only the
        unpublished ones, and one more would make every mark dearer), so the rows are found by a
        scan. The scan stops at ``limit`` matches, and the oldest rows come first in the table, so
        a chunk costs little until the last one of a purge, which passes over the rest once.
        """
        return delete_chunk(self._session, outbox, outbox.c.published_at < before, outbox.c.event_id, limit)

    def _backend(self) -> str:
        return self._session.get_bind().dialect.name


# The relay's marking, built once (it runs for every batch; building it cost more than running it):
# on PostgreSQL the ids' text as one array, cast to uuid[] by the server; on SQLite as one JSON array
# that json_each unpacks (rendering an expanding IN list of a thousand ids was a quarter of the
# marking's CPU); on MariaDB as an expanding IN list of the ids as stored.
_MARK_ANY_ID = (
    update(outbox)
    .where(
        outbox.c.event_id
        == any_(cast(bindparam("event_ids", type_=postgresql.ARRAY(Text)), postgresql.ARRAY(Uuid)))
    )
    .values(published_at=bindparam("now"))
)
_MARK_JSON_IDS = (
    update(outbox)
    .where(
        type_coerce(outbox.c.event_id, String).in_(
            select(column("value")).select_from(func.json_each(bindparam("event_ids"))).scalar_subquery()
        )
    )
    .values(published_at=bindparam("now"))
)
_MARK_STORED_IDS = (
    update(outbox)
    .where(type_coerce(outbox.c.event_id, String).in_(bindparam("event_ids", expanding=True)))
    .values(published_at=bindparam("now"))
)
