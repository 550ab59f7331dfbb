"""The oldest unpublished outbox rows of a service, read straight into the records to publish.

Only what the records need is read: the payload as the JSON text it is stored as (a cast to text on
every backend), and the event id and time as the driver returns them, without SQLAlchemy's per-row
type conversion, which cost several times what building the record does (bench/relay_throughput.py).
The drivers differ: SQLite gives text for both, MariaDB text and a naive UTC datetime, PostgreSQL a
UUID and an aware datetime; :func:`_text_writers` picks, once per batch, the functions that write the
backend's values the way the envelope wants. The ids go back to the database to mark the rows as the
driver gave them; a typed value is made only for the position of the batch's last row.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, Text, and_, bindparam, cast, or_, select, type_coerce
from sqlalchemy.orm import Session

from events.envelope import RecordWriter
from events.transport.ports import OutgoingRecord
from services.common.tables import outbox


@dataclass(frozen=True)
class Position:
    """Where a row stands in the relay's order (``occurred_at``, then ``event_id``)."""

    occurred_at: datetime
    event_id: uuid.UUID


@dataclass(frozen=True)
class PendingBatch:
    records: list[OutgoingRecord]
    stored_ids: list[object]
    """The event ids as the driver returned them, to mark the rows with (no UUID built per row)."""
    last: Position | None
    """The position of the batch's newest row (None for an empty batch)."""

    def __len__(self) -> int:
        return len(self.records)


def _hex_id_text(value: Any) -> str:
    """32 hex digits, as backends without a uuid type store it."""
    return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"


def _sqlite_time_text(value: Any) -> str:
    """SQLite's stored UTC text, ``YYYY-MM-DD HH:MM:SS.ffffff``."""
    return f"{value[:10]}T{value[11:]}+00:00"


def _naive_utc_time_text(value: Any) -> str:
    return f"{value.isoformat()}+00:00"


def _aware_time_text(value: Any) -> str:
    text: str = value.astimezone(UTC).isoformat()
    return text


_TEXT_WRITERS: dict[str, tuple[Callable[[Any], str], Callable[[Any], str]]] = {
    "sqlite": (_hex_id_text, _sqlite_time_text),
    "mysql": (_hex_id_text, _naive_utc_time_text),  # MariaDB as mysql+pymysql://
    "mariadb": (_hex_id_text, _naive_utc_time_text),
    "postgresql": (str, _aware_time_text),
}


def _text_writers(session: Session) -> tuple[Callable[[Any], str], Callable[[Any], str]]:
    """How this backend's driver values of ``event_id`` and ``occurred_at`` become envelope text:
    chosen once per batch rather than by testing each value's type."""
    return _TEXT_WRITERS[session.get_bind().dialect.name]


def _position(event_id_text: str, occurred_text: str) -> Position:
    return Position(datetime.fromisoformat(occurred_text), uuid.UUID(event_id_text))


_PENDING = (
    select(
        type_coerce(outbox.c.event_id, String),
        outbox.c.event_type,
        outbox.c.schema_version,
        outbox.c.checkout_id,
        cast(outbox.c.payload, Text),
        type_coerce(outbox.c.occurred_at, String),
        outbox.c.traceparent,
    )
    .where(outbox.c.published_at.is_(None))
    # published_at is NULL in every row read; ordering by it too lets the read follow the
    # ix_outbox_unpublished index instead of sorting.
    .order_by(outbox.c.published_at, outbox.c.occurred_at, outbox.c.event_id)
    .limit(bindparam("limit"))
)
_PENDING_AFTER = _PENDING.where(
    or_(
        outbox.c.occurred_at > bindparam("after_occurred"),
        and_(outbox.c.occurred_at == bindparam("after_occurred"), outbox.c.event_id > bindparam("after_id")),
    )
)
# Both built once: a relay reads every few tens of milliseconds per outbox, and building and
# cache-keying the statement each time cost more CPU than reading a small batch.


def pending_events(
    session: Session, service: str, topic: str, limit: int, after: Position | None = None
) -> PendingBatch:
    """Up to ``limit`` unpublished events of ``service``'s outbox, oldest first, as ``topic`` records;
    with ``after``, only those that come after it in that order (the batch behind one in flight)."""
    if after is None:
        rows = session.execute(_PENDING, {"limit": limit})
    else:
        rows = session.execute(
            _PENDING_AFTER,
            {"limit": limit, "after_occurred": after.occurred_at, "after_id": after.event_id},
        )
    id_text, time_text = _text_writers(session)
    record = RecordWriter(topic, service).record
    records: list[OutgoingRecord] = []
    stored_ids: list[object] = []
    event_id = occurred = ""
    for raw_id, event_type, schema_version, checkout_id, payload_json, raw_occurred, traceparent in (
        rows.all()  # fetched at once and unpacked by position: cheaper per row
    ):
        event_id = id_text(raw_id)
        occurred = time_text(raw_occurred)
        stored_ids.append(raw_id)
        records.append(
            record(event_id, event_type, schema_version, checkout_id, occurred, payload_json, traceparent)
        )
    return PendingBatch(records, stored_ids, _position(event_id, occurred) if records else None)
