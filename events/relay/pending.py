"""A service's oldest outbox rows, each an event still to publish, read straight into records.

Only what the records need is read: the payload as the JSON text it is stored as (a cast to text on
every backend), and the event id and time as text, without SQLAlchemy's per-row type conversion,
which cost several times what building the record does (bench/relay_throughput.py). SQLite and
MariaDB store the id as 32 hex digits, and the time as text or a naive UTC datetime; PostgreSQL
casts both to their envelope text itself, since building a ``uuid.UUID`` and a zone-aware datetime
per row and writing them back out was a third of the read's CPU there. :class:`_Reading` holds, per
backend, the statements and the functions that finish the text. The ids go back to the database to
delete the rows as they were read; a typed value is made only for the position of the batch's last row.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Text,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    or_,
    select,
    type_coerce,
)
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
    stored_ids: list[str]
    """The event ids as read (text, as stored or cast), to delete the rows by: no UUID built per row."""
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


def _already_text(value: Any) -> str:
    """What PostgreSQL's cast and ``to_char`` wrote: the envelope's text already."""
    text: str = value
    return text


def _position(event_id_text: str, occurred_text: str) -> Position:
    return Position(datetime.fromisoformat(occurred_text), uuid.UUID(event_id_text))


def _statements(
    event_id: ColumnElement[Any], occurred_at: ColumnElement[Any]
) -> tuple[Select[Any], Select[Any]]:
    """The read of the oldest rows, and the same read after a position."""
    pending = (
        select(
            event_id,
            outbox.c.event_type,
            outbox.c.schema_version,
            outbox.c.checkout_id,
            cast(outbox.c.payload, Text),
            occurred_at,
            outbox.c.traceparent,
        )
        .order_by(outbox.c.occurred_at, outbox.c.event_id)
        .limit(bindparam("limit"))
    )
    after = pending.where(
        or_(
            outbox.c.occurred_at > bindparam("after_occurred"),
            and_(
                outbox.c.occurred_at == bindparam("after_occurred"),
                outbox.c.event_id > bindparam("after_id"),
            ),
        )
    )
    return pending, after


@dataclass(frozen=True)
class _Reading:
    """How one backend's rows are read: the two statements, and what turns the id and time the
    driver returns into envelope text."""

    pending: Select[Any]
    after: Select[Any]
    id_text: Callable[[Any], str]
    time_text: Callable[[Any], str]


_STORED = _statements(type_coerce(outbox.c.event_id, String), type_coerce(outbox.c.occurred_at, String))
_CANONICAL = _statements(
    cast(outbox.c.event_id, Text),
    func.to_char(
        func.timezone("UTC", outbox.c.occurred_at), literal_column("""'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'""")
    ),
)
_READINGS: dict[str, _Reading] = {
    "sqlite": _Reading(*_STORED, _hex_id_text, _sqlite_time_text),
    "mysql": _Reading(*_STORED, _hex_id_text, _naive_utc_time_text),  # MariaDB as mysql+pymysql://
    "mariadb": _Reading(*_STORED, _hex_id_text, _naive_utc_time_text),
    "postgresql": _Reading(*_CANONICAL, _already_text, _already_text),
}
# Statements built once: a relay reads every few tens of milliseconds per outbox, and building and
# cache-keying a statement each time cost more CPU than reading a small batch.


def pending_events(
    session: Session, service: str, topic: str, limit: int, after: Position | None = None
) -> PendingBatch:
    """Up to ``limit`` events of ``service``'s outbox, oldest first, as ``topic`` records;
    with ``after``, only those that come after it in that order (the batch behind one in flight)."""
    reading = _READINGS[session.get_bind().dialect.name]
    if after is None:
        rows = session.execute(reading.pending, {"limit": limit})
    else:
        rows = session.execute(
            reading.after,
            {"limit": limit, "after_occurred": after.occurred_at, "after_id": after.event_id},
        )
    id_text, time_text = reading.id_text, reading.time_text
    record = RecordWriter(topic, service).record
    records: list[OutgoingRecord] = []
    stored_ids: list[str] = []
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
