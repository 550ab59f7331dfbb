"""The outbox relay over the local log and a real (SQLite) service database."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy import update

from events.envelope import parse_envelope
from events.readiness import NOT_STARTED
from events.relay.relay import OutboxRelay, SchemaMismatch
from events.relay.settings import RelaySettings
from events.topics import topic_specs
from events.transport.local_log import LocalLogTransport
from events.transport.ports import ConsumedRecord, OutgoingRecord, PublishFailed, TransactionalPublisher
from services.common.database import Database
from services.common.migrations import downgrade_to, upgrade_to_head
from services.common.outbox import OutboxReader
from services.common.sqltypes import utc_now
from services.common.tables import outbox_relay_lease
from services.common.uow import UnitOfWork
from tests.waiting import eventually

TOPIC = "inventory.events"


@dataclass(frozen=True)
class Noted:
    event_type: ClassVar[str] = "Noted"
    schema_version: ClassVar[int] = 1
    checkout_id: str | None
    note: str

    def payload(self) -> dict[str, Any]:
        return {"note": self.note}


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    database = Database.connect(f"sqlite:///{tmp_path / 'inventory.db'}")
    upgrade_to_head(database.engine, "services.inventory")
    yield database
    database.dispose()


@pytest.fixture
def transport(tmp_path: Path) -> LocalLogTransport:
    transport = LocalLogTransport(tmp_path / "log.sqlite")
    transport.admin().ensure_topics(topic_specs())
    return transport


def write(database: Database, *events: Noted) -> None:
    with UnitOfWork(database) as uow:
        for event in events:
            uow.outbox.add(event)
        uow.commit()


def relay(
    database: Database, transport: LocalLogTransport, name: str = "relay-a", **settings: Any
) -> OutboxRelay:
    config = RelaySettings(instance_id=name, **settings)
    return OutboxRelay("inventory", TOPIC, database, transport.publisher(name), config)


def read_all(transport: LocalLogTransport, group: str = "reader") -> list[ConsumedRecord]:
    consumer = transport.consumer(group, [TOPIC])
    records: list[ConsumedRecord] = []
    while batch := consumer.poll(1000, 0.05):
        records += batch
    consumer.close()
    return records


def unpublished(database: Database) -> int:
    with database.read_sessions.begin() as session:
        return OutboxReader(session).backlog()


def test_published_events_arrive_in_write_order_per_checkout(
    database: Database, transport: LocalLogTransport
) -> None:
    write(database, *(Noted("chk-1", f"n{i}") for i in range(30)))
    assert relay(database, transport).publish_once() == 30
    notes = [parse_envelope(r.value).payload["note"] for r in read_all(transport)]
    assert notes == [f"n{i}" for i in range(30)]


def test_published_rows_are_deleted_and_not_published_again(
    database: Database, transport: LocalLogTransport
) -> None:
    write(database, Noted("chk-1", "a"), Noted("chk-2", "b"))
    worker = relay(database, transport)
    assert worker.publish_once() == 2
    assert unpublished(database) == 0
    assert worker.publish_once() == 0
    assert len(read_all(transport)) == 2


def test_records_carry_the_envelope_and_its_headers(database: Database, transport: LocalLogTransport) -> None:
    write(database, Noted("chk-1", "a"))
    relay(database, transport).publish_once()
    (record,) = read_all(transport)
    envelope = parse_envelope(record.value)
    assert record.key == "chk-1"
    assert (envelope.source, envelope.event_type, envelope.payload) == ("inventory", "Noted", {"note": "a"})
    assert record.headers["event-id"] == str(envelope.event_id)
    assert record.headers["correlation-id"] == "chk-1"
    assert record.headers["traceparent"].startswith("00-")


def test_a_batch_is_at_most_the_configured_size(database: Database, transport: LocalLogTransport) -> None:
    write(database, *(Noted("chk-1", f"n{i}") for i in range(5)))
    worker = relay(database, transport, batch_size=2)
    assert [worker.publish_once() for _ in range(4)] == [2, 2, 1, 0]


def test_a_second_relay_publishes_nothing_while_the_first_holds_the_lease(
    database: Database, transport: LocalLogTransport
) -> None:
    first, second = relay(database, transport, "relay-a"), relay(database, transport, "relay-b")
    write(database, Noted("chk-1", "a"))
    assert first.publish_once() == 1
    write(database, Noted("chk-1", "b"))
    assert second.publish_once() == 0
    assert second.report()["holds_lease"] is False
    assert first.publish_once() == 1


def test_a_relay_takes_over_when_the_holder_stops(database: Database, transport: LocalLogTransport) -> None:
    first = relay(database, transport, "relay-a")
    write(database, Noted("chk-1", "a"))
    stop = threading.Event()
    stop.set()
    first.publish_once()
    first.run(stop)  # stops at once, releasing the lease
    write(database, Noted("chk-1", "b"))
    assert relay(database, transport, "relay-b").publish_once() == 1


def test_a_relay_whose_lease_expired_takes_nothing_from_a_new_holder(
    database: Database, transport: LocalLogTransport
) -> None:
    stale = relay(database, transport, "relay-a", lease_seconds=0.001)
    write(database, Noted("chk-1", "a"))
    assert stale.publish_once() == 1
    taker = relay(database, transport, "relay-b")
    write(database, Noted("chk-1", "b"))
    assert taker.publish_once() == 1
    assert stale.publish_once() == 0


def test_run_drains_the_outbox_until_stopped(database: Database, transport: LocalLogTransport) -> None:
    write(database, *(Noted(f"chk-{i}", "x") for i in range(10)))
    worker = relay(database, transport, idle_poll_seconds=0.01)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    try:
        for _ in range(500):
            if unpublished(database) == 0:
                break
            stop.wait(0.01)
    finally:
        stop.set()
        thread.join()
    assert unpublished(database) == 0
    assert len(read_all(transport)) == 10


def test_drain_publishes_batch_after_batch_in_order_and_deletes_them_all(
    database: Database, transport: LocalLogTransport
) -> None:
    write(database, *(Noted("chk-1", f"n{i}") for i in range(7)))
    assert relay(database, transport, batch_size=3).drain() == 7
    assert unpublished(database) == 0
    notes = [parse_envelope(r.value).payload["note"] for r in read_all(transport)]
    assert notes == [f"n{i}" for i in range(7)]


class Interfering:
    """Publishes through ``publisher`` as a troubled broker would: ``delay`` seconds late (slow to
    commit), and refusing batch ``failing`` (1-based) if given (unreachable)."""

    def __init__(self, publisher: TransactionalPublisher, failing: int = 0, delay: float = 0.0) -> None:
        self._publisher = publisher
        self._failing = failing
        self._delay = delay
        self._batches = 0

    def publish(self, records: Sequence[OutgoingRecord]) -> None:
        self._batches += 1
        time.sleep(self._delay)
        if self._batches == self._failing:
            raise PublishFailed("broker unreachable")
        self._publisher.publish(records)

    def close(self) -> None:
        self._publisher.close()


def test_a_failed_publish_stops_the_drain_with_the_batches_before_it_deleted_and_it_not(
    database: Database, transport: LocalLogTransport
) -> None:
    write(database, *(Noted("chk-1", f"n{i}") for i in range(7)))
    failing = Interfering(transport.publisher("relay-a"), failing=2)
    config = RelaySettings(instance_id="relay-a", batch_size=3)
    with pytest.raises(PublishFailed):
        OutboxRelay("inventory", TOPIC, database, failing, config).drain()
    assert unpublished(database) == 4
    assert [parse_envelope(r.value).payload["note"] for r in read_all(transport)] == ["n0", "n1", "n2"]


def test_a_relay_keeps_its_lease_through_a_publish_longer_than_the_lease(
    database: Database, transport: LocalLogTransport
) -> None:
    """Otherwise a standby would take the lease over mid-publish and fence the publish it waits for."""
    write(database, Noted("chk-1", "slow"))
    slow = Interfering(transport.publisher("relay-a"), delay=1.0)
    holder = OutboxRelay(
        "inventory", TOPIC, database, slow, RelaySettings(instance_id="relay-a", lease_seconds=0.3)
    )
    with ThreadPoolExecutor(max_workers=1) as pool:
        publishing = pool.submit(holder.publish_once)
        time.sleep(0.6)  # twice the lease: it would have expired without renewal
        standby_published = relay(database, transport, "relay-b", lease_seconds=0.3).publish_once()
        assert publishing.result() == 1  # deleted: the lease was still the holder's

    assert standby_published == 0
    assert unpublished(database) == 0


def expire_lease(database: Database) -> None:
    """As if its holder had been paused past the lease: the table says it is free to take."""
    with database.engine.begin() as connection:
        connection.execute(update(outbox_relay_lease).values(expires_at=utc_now() - timedelta(seconds=1)))


def test_after_a_failed_publish_a_relay_asks_the_database_before_publishing_again(
    database: Database, transport: LocalLogTransport
) -> None:
    """A failed publish may mean the relay was fenced by a successor: publishing again on the lease it
    believes it holds would fence the successor in turn (both use the outbox's transactional id)."""
    write(database, Noted("chk-1", "a"))
    paused = Interfering(transport.publisher("relay-a"), failing=2)
    holder = OutboxRelay("inventory", TOPIC, database, paused, RelaySettings(instance_id="relay-a"))
    assert holder.publish_once() == 1
    expire_lease(database)
    write(database, Noted("chk-1", "b"))
    assert relay(database, transport, "relay-b").publish_once() == 1
    write(database, Noted("chk-1", "c"))
    with pytest.raises(PublishFailed):
        holder.publish_once()

    assert holder.publish_once() == 0
    assert not holder.holds_lease
    assert [parse_envelope(r.value).payload["note"] for r in read_all(transport)] == ["a", "b"]


def test_a_relay_publishes_nothing_until_the_database_is_at_its_schema(
    database: Database, transport: LocalLogTransport
) -> None:
    # The previous release's schema, whose relay marks the rows it sent.
    downgrade_to(database.engine, "services.inventory", "0004")
    write(database, Noted("chk-1", "a"))
    worker = relay(database, transport)

    with pytest.raises(SchemaMismatch, match="expects"):
        worker.publish_once()
    assert read_all(transport) == []

    upgrade_to_head(database.engine, "services.inventory")
    assert worker.publish_once() == 1


def test_a_relay_gives_its_lease_up_when_the_schema_changes_under_it(
    database: Database, transport: LocalLogTransport
) -> None:
    holder = relay(database, transport, "relay-a", lease_seconds=1.0)
    write(database, Noted("chk-1", "a"))
    assert holder.publish_once() == 1
    downgrade_to(database.engine, "services.inventory", "0004")
    time.sleep(0.6)  # past half the lease: the holder goes back to the database to renew it

    with pytest.raises(SchemaMismatch):
        holder.publish_once()
    assert not holder.holds_lease

    upgrade_to_head(database.engine, "services.inventory")
    write(database, Noted("chk-1", "b"))
    assert relay(database, transport, "relay-b").publish_once() == 1  # no wait for the lease to expire


def test_drain_publishes_nothing_while_another_relay_holds_the_lease(
    database: Database, transport: LocalLogTransport
) -> None:
    relay(database, transport, "relay-a").publish_once()
    write(database, Noted("chk-1", "a"))
    assert relay(database, transport, "relay-b").drain() == 0


def rename_outbox(database: Database, old: str, new: str) -> None:
    with database.engine.begin() as connection:
        connection.exec_driver_sql(f"ALTER TABLE {old} RENAME TO {new}")


def test_a_relay_is_not_ready_before_its_first_attempt(
    database: Database, transport: LocalLogTransport
) -> None:
    assert relay(database, transport).readiness.problem == NOT_STARTED


def test_a_relay_is_not_ready_while_its_database_fails_and_ready_once_it_works_again(
    database: Database, transport: LocalLogTransport
) -> None:
    worker = relay(database, transport, idle_poll_seconds=0.01, retry_seconds=0.01)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    try:
        ready_at_first = eventually(lambda: worker.readiness.problem is None)
        rename_outbox(database, "outbox", "outbox_away")
        failing = eventually(lambda: worker.readiness.problem == "OperationalError")
        rename_outbox(database, "outbox_away", "outbox")
        ready_again = eventually(lambda: worker.readiness.problem is None)
    finally:
        stop.set()
        thread.join()

    assert (ready_at_first, failing, ready_again) == (True, True, True)
