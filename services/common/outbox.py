"""The transactional outbox: a state change and its domain event commit together or not at all.

Use cases hand domain events to :class:`OutboxWriter` inside their unit of work; a relay (in
``events/``) later reads the rows with :class:`OutboxReader`, publishes them to Kafka and deletes
them: every row in the outbox is an event still to publish. Domain events need no import from here:
anything with ``event_type``, ``schema_version``, ``checkout_id`` and ``payload()`` is one
(:class:`DomainEvent`).
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
    delete,
    func,
    insert,
    select,
    type_coerce,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from services.common.event_ids import new_event_id
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
        event_id = new_event_id()
        self._session.execute(
            _ADD,
            {
                "event_id": event_id,
                "event_type": event.event_type,
                "schema_version": event.schema_version,
                "checkout_id": event.checkout_id,
                "payload": event.payload(),
                "occurred_at": _clock.now(),
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
        traceparent=row.traceparent,
    )


class OutboxReader:
    """What a relay needs beside its batch read (``events/relay/pending.py``): how many events wait,
    and a way to delete them once published; and a checkout's events, for those who inspect them."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def backlog(self) -> int:
        """How many events wait to be published."""
        count: int = self._session.execute(select(func.count()).select_from(outbox)).scalar_one()
        return count

    def for_checkout(self, checkout_id: str) -> list[OutboxMessage]:
        rows = self._session.execute(
            select(outbox).where(outbox.c.checkout_id == checkout_id).order_by(outbox.c.occurred_at)
        )
        return [_message(row) for row in rows]

    def delete_published(self, event_ids: Sequence[uuid.UUID]) -> None:
        """Delete the rows of ``event_ids``, each sent as the relay reads it: the canonical text on
        PostgreSQL, its 32 hex digits where there is no uuid type (SQLAlchemy's ``Uuid`` on SQLite and
        MariaDB)."""
        canonical = self._backend() == "postgresql"
        self.delete_published_stored_ids(
            [str(event_id) if canonical else event_id.hex for event_id in event_ids]
        )

    def delete_published_stored_ids(self, stored_ids: Sequence[str]) -> None:
        """Delete the rows whose ``event_id`` the relay read as ``stored_ids``: text on every backend (as
        stored on SQLite and MariaDB, cast to text on PostgreSQL). They go back as they came, with no
        UUID built or converted per id, which was the relay's largest cost per row."""
        if not stored_ids:
            return
        backend = self._backend()
        if backend == "postgresql":
            self._session.execute(_DELETE_ANY_ID, {"event_ids": list(stored_ids)})
        elif backend == "sqlite":
            self._session.execute(_DELETE_JSON_IDS, {"event_ids": json.dumps(stored_ids)})
        else:
            self._session.execute(_DELETE_STORED_IDS, {"event_ids": list(stored_ids)})

    def _backend(self) -> str:
        return self._session.get_bind().dialect.name


# The relay's deletes, built once (one runs for every batch; building it cost more than running it):
# on PostgreSQL the ids' text as one array, cast to uuid[] by the server; on SQLite as one JSON array
# that json_each unpacks (rendering an expanding IN list of a thousand ids was a quarter of the
# deleting's CPU); on MariaDB as an expanding IN list of the ids as stored.
_DELETE_ANY_ID = delete(outbox).where(
    outbox.c.event_id
    == any_(cast(bindparam("event_ids", type_=postgresql.ARRAY(Text)), postgresql.ARRAY(Uuid)))
)
_DELETE_JSON_IDS = delete(outbox).where(
    type_coerce(outbox.c.event_id, String).in_(
        select(column("value")).select_from(func.json_each(bindparam("event_ids"))).scalar_subquery()
    )
)
_DELETE_STORED_IDS = delete(outbox).where(
    type_coerce(outbox.c.event_id, String).in_(bindparam("event_ids", expanding=True))
)
