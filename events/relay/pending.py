"""The oldest unpublished outbox rows of a service, read straight into the records to publish.

Only what the records need is read, and the payload as the JSON text it is stored as (a cast to text
on every backend), so that the relay spends its time publishing rather than converting.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Text, and_, cast, or_, select
from sqlalchemy.orm import Session

from events.envelope import stored_record
from events.transport.ports import OutgoingRecord
from services.common.tables import outbox


@dataclass(frozen=True)
class PendingEvent:
    event_id: uuid.UUID
    occurred_at: datetime
    record: OutgoingRecord


def pending_events(
    session: Session, service: str, topic: str, limit: int, after: PendingEvent | None = None
) -> list[PendingEvent]:
    """Up to ``limit`` unpublished events of ``service``'s outbox, oldest first, as ``topic`` records;
    with ``after``, only those that come after it in that order (the batch behind one in flight)."""
    query = (
        select(
            outbox.c.event_id,
            outbox.c.event_type,
            outbox.c.schema_version,
            outbox.c.checkout_id,
            cast(outbox.c.payload, Text).label("payload_json"),
            outbox.c.occurred_at,
            outbox.c.traceparent,
        )
        .where(outbox.c.published_at.is_(None))
        # published_at is NULL in every row read; ordering by it too lets the read follow the
        # ix_outbox_unpublished index instead of sorting.
        .order_by(outbox.c.published_at, outbox.c.occurred_at, outbox.c.event_id)
        .limit(limit)
    )
    if after is not None:
        query = query.where(
            or_(
                outbox.c.occurred_at > after.occurred_at,
                and_(outbox.c.occurred_at == after.occurred_at, outbox.c.event_id > after.event_id),
            )
        )
    return [
        PendingEvent(
            event_id,
            occurred_at,
            stored_record(
                topic,
                event_id=event_id,
                event_type=event_type,
                schema_version=schema_version,
                source=service,
                checkout_id=checkout_id,
                occurred_at=occurred_at,
                payload_json=payload_json,
                traceparent=traceparent,
            ),
        )
        # Fetched all at once and unpacked by position: per-row iteration and access by name cost
        # more than building the record.
        for event_id, event_type, schema_version, checkout_id, payload_json, occurred_at, traceparent in (
            session.execute(query).all()
        )
    ]
