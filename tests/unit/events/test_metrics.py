"""The relays' and consumer groups' metrics, read from them at scrape time."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import update

from events.consumer.dead_letters import DeadLetterQueue
from events.consumer.inbox import Inbox, create_inbox, inbox
from events.consumer.runner import ConsumerRunner
from events.consumer.settings import ConsumerSettings
from events.envelope import Envelope, to_record
from events.metrics import consumer_registry, relay_registry
from events.relay.relay import OutboxRelay
from events.relay.settings import RelaySettings
from events.topics import topic_specs
from events.transport.local_log import LocalLogTransport
from events.transport.ports import OutgoingRecord
from services.common.database import Database
from services.common.migrations import upgrade_to_head
from services.common.sqltypes import utc_now
from services.common.uow import UnitOfWork

GROUP = "metrics-group"
TOPIC = "inventory.events"


@dataclass(frozen=True)
class Counted:
    event_type: ClassVar[str] = "Counted"
    schema_version: ClassVar[int] = 1
    checkout_id: str | None

    def payload(self) -> dict[str, Any]:
        return {}


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    database = Database.connect(f"sqlite:///{tmp_path / 'inventory.db'}")
    upgrade_to_head(database.engine, "services.inventory")
    create_inbox(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def transport(tmp_path: Path) -> LocalLogTransport:
    transport = LocalLogTransport(tmp_path / "log.sqlite")
    transport.admin().ensure_topics(topic_specs((GROUP,)))
    return transport


@pytest.fixture
def relay(database: Database, transport: LocalLogTransport) -> OutboxRelay:
    return OutboxRelay("inventory", TOPIC, database, transport.publisher("r"), RelaySettings(instance_id="r"))


def write_events(database: Database, count: int) -> None:
    with UnitOfWork(database) as uow:
        for n in range(count):
            uow.outbox.add(Counted(f"chk-{n}"))
        uow.commit()


def value(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


def test_the_backlog_counts_the_events_waiting_in_the_outbox(database: Database, relay: OutboxRelay) -> None:
    write_events(database, 3)

    assert value(relay_registry([relay]), "outbox_backlog_events", service="inventory") == 3


def test_published_events_leave_the_backlog_and_count_as_published(
    database: Database, relay: OutboxRelay
) -> None:
    write_events(database, 3)
    relay.drain()
    registry = relay_registry([relay])

    assert value(registry, "outbox_backlog_events", service="inventory") == 0
    assert value(registry, "outbox_relay_published_events_total", service="inventory") == 3


def test_the_lease_shows_whether_this_relay_publishes(database: Database, relay: OutboxRelay) -> None:
    registry = relay_registry([relay])
    assert value(registry, "outbox_relay_lease_held", service="inventory") == 0

    relay.drain()
    assert value(registry, "outbox_relay_lease_held", service="inventory") == 1

    stopped = threading.Event()
    stopped.set()
    relay.run(stopped)  # releases the lease on the way out
    assert value(registry, "outbox_relay_lease_held", service="inventory") == 0


def envelope(event_type: str = "Other") -> Envelope:
    return Envelope(
        event_id=uuid.uuid4(),
        event_type=event_type,
        schema_version=1,
        source="order",
        checkout_id="chk-1",
        occurred_at=datetime.now(UTC),
        payload={},
    )


def runner(database: Database, transport: LocalLogTransport) -> ConsumerRunner:
    return ConsumerRunner(
        GROUP,
        transport.consumer(GROUP, [TOPIC]),
        database,
        {},
        DeadLetterQueue(GROUP, transport.publisher("dead-letters")),
        ConsumerSettings(batch_size=1, poll_timeout_seconds=0.05),
    )


def test_consumer_lag_is_shown_per_topic_and_partition(
    database: Database, transport: LocalLogTransport
) -> None:
    records = [to_record(TOPIC, envelope()) for _ in range(3)]  # one checkout: one partition
    transport.publisher("p").publish(records)
    consumer = runner(database, transport)
    consumer.consume_once()

    lags = [
        (sample.labels["topic"], sample.value)
        for metric in consumer_registry([consumer]).collect()
        for sample in metric.samples
        if sample.name == "events_consumer_lag" and sample.value > 0
    ]
    assert lags == [(TOPIC, 2)]


def test_dead_lettered_records_are_counted_per_group(
    database: Database, transport: LocalLogTransport
) -> None:
    transport.publisher("p").publish([OutgoingRecord(TOPIC, "chk-1", b"not an envelope")])
    consumer = runner(database, transport)
    consumer.consume_once()

    assert value(consumer_registry([consumer]), "events_consumer_dead_lettered_total", group=GROUP) == 1


def test_inbox_rows_deleted_past_their_retention_are_counted_per_group(
    database: Database, transport: LocalLogTransport
) -> None:
    with database.write_sessions.begin() as session:
        Inbox(session, GROUP).add(uuid.uuid4(), "Other")
        session.execute(update(inbox).values(processed_at=utc_now() - timedelta(days=30)))
    consumer = runner(database, transport)
    consumer.purge_inbox()

    assert value(consumer_registry([consumer]), "events_consumer_inbox_purged_total", group=GROUP) == 1
