"""The inbox: which events a consumer group has already applied, in the consumer's own database.

The row is inserted in the transaction that applies the event, so "applied" and "remembered as
applied" commit together; a redelivered copy (the relay republished it, or the offset commit was
lost in a crash) finds its row and is skipped. Rows are kept longer than the topics keep their
records (:class:`events.consumer.settings.ConsumerSettings`), so no copy can outlive its row.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, Engine, MetaData, String, Table, Uuid, bindparam, insert, select
from sqlalchemy.orm import Session

from services.common.purge import delete_chunk
from services.common.sqltypes import UtcDateTime, utc_now
from services.common.tables import NAMING_CONVENTION

inbox_metadata = MetaData(naming_convention=NAMING_CONVENTION)

inbox = Table(
    "consumer_inbox",
    inbox_metadata,
    Column("group_id", String(100), primary_key=True),
    Column("event_id", Uuid, primary_key=True),
    Column("event_type", String(100), nullable=False),
    Column("processed_at", UtcDateTime, nullable=False),
)


def create_inbox(engine: Engine) -> None:
    """Create the inbox table if missing: it is the consumer's only table, owned by no service."""
    inbox_metadata.create_all(engine, checkfirst=True)


# Built once: a statement built per event (``select(...).where(... == value)``) costs more CPU to
# construct and cache-key than the database takes to run it; here only the parameters change.
_HAS = select(inbox.c.event_id).where(
    inbox.c.group_id == bindparam("group_id"), inbox.c.event_id == bindparam("event_id")
)
_ADD = insert(inbox)


class Inbox:
    """One consumer group's view of the inbox, inside the caller's transaction."""

    def __init__(self, session: Session, group_id: str) -> None:
        self._session = session
        self._group_id = group_id

    def has(self, event_id: uuid.UUID) -> bool:
        found = self._session.execute(_HAS, {"group_id": self._group_id, "event_id": event_id}).first()
        return found is not None

    def add(self, event_id: uuid.UUID, event_type: str) -> None:
        self._session.execute(
            _ADD,
            {
                "group_id": self._group_id,
                "event_id": event_id,
                "event_type": event_type,
                "processed_at": utc_now(),
            },
        )

    def purge(self, before: datetime, limit: int) -> int:
        """Forget up to ``limit`` events applied before ``before``; how many were forgotten. Found
        by a scan: an index for it would cost every event's insert."""
        condition = (inbox.c.group_id == self._group_id) & (inbox.c.processed_at < before)
        return delete_chunk(self._session, inbox, condition, inbox.c.event_id, limit)
