"""The relay's read of the outbox rows still to publish, on every backend: the payload as stored, spliced into
an envelope that consumers parse back to exactly what the service wrote."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from events.envelope import parse_envelope
from events.relay.pending import pending_events
from services.common.database import Database
from services.common.outbox import OutboxReader
from services.common.uow import UnitOfWork


@dataclass(frozen=True)
class Allocated:
    event_type: ClassVar[str] = "StockAllocated"
    schema_version: ClassVar[int] = 1
    checkout_id: str | None
    body: dict[str, Any]

    def payload(self) -> dict[str, Any]:
        return self.body


def write_numbered_events(database: Database, checkout_id: str, count: int) -> None:
    """``count`` events of one checkout, in one transaction, with payloads ``{"n": 0}``, ``{"n": 1}``..."""
    with UnitOfWork(database) as uow:
        for n in range(count):
            uow.outbox.add(Allocated(checkout_id, {"n": n}))
        uow.commit()


PAYLOAD = {"items": [{"sku": "SKU-1", "quantity": 2, "note": 'quote " and \\ and é'}], "total": None}


def test_a_pending_record_carries_the_payload_and_facts_the_service_stored(database: Database) -> None:
    with UnitOfWork(database) as uow:
        uow.outbox.add(Allocated("chk-1", PAYLOAD))
        uow.commit()
    with database.read_sessions.begin() as session:
        (stored,) = OutboxReader(session).for_checkout("chk-1")
        pending = pending_events(session, "inventory", "inventory.events", 10)
    (record,) = pending.records
    envelope = parse_envelope(record.value)
    assert envelope.event_id == stored.event_id
    assert envelope.payload == PAYLOAD
    assert (envelope.event_type, envelope.schema_version, envelope.source) == (
        "StockAllocated",
        1,
        "inventory",
    )
    assert envelope.occurred_at == stored.occurred_at
    assert record.key == "chk-1"
    assert record.headers["event-id"] == str(stored.event_id)


def test_pending_events_come_oldest_first_and_stop_at_the_limit(database: Database) -> None:
    write_numbered_events(database, "chk-2", 5)
    with database.read_sessions.begin() as session:
        pending = pending_events(session, "inventory", "inventory.events", 3)
    assert [parse_envelope(r.value).payload for r in pending.records] == [{"n": 0}, {"n": 1}, {"n": 2}]


def test_deleting_by_the_ids_as_read_deletes_exactly_the_rows_read(database: Database) -> None:
    write_numbered_events(database, "chk-3", 5)
    with database.read_sessions.begin() as session:
        pending = pending_events(session, "inventory", "inventory.events", 3)
    with database.write_sessions.begin() as session:
        OutboxReader(session).delete_published_stored_ids(pending.stored_ids)
    with database.read_sessions.begin() as session:
        left = pending_events(session, "inventory", "inventory.events", 10)

    assert [parse_envelope(r.value).payload for r in left.records] == [{"n": 3}, {"n": 4}]


def test_reading_after_a_batchs_last_position_returns_the_rows_behind_it(database: Database) -> None:
    write_numbered_events(database, "chk-4", 5)
    with database.read_sessions.begin() as session:
        first = pending_events(session, "inventory", "inventory.events", 2)
        behind = pending_events(session, "inventory", "inventory.events", 10, after=first.last)

    assert [parse_envelope(r.value).payload for r in behind.records] == [{"n": 2}, {"n": 3}, {"n": 4}]
