"""The consume loop over the local log: exactly-once effect, dead letters, retries, offsets."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Column, MetaData, String, Table, func, insert, select, update
from sqlalchemy.orm import Session

from events.consumer.dead_letters import DeadLetterQueue, Poison
from events.consumer.inbox import Inbox, create_inbox, inbox
from events.consumer.runner import AfterCommit, ConsumerRunner, Handler
from events.consumer.settings import ConsumerSettings
from events.contracts.base import EventPayload
from events.envelope import Envelope, to_record
from events.readiness import NOT_STARTED
from events.topics import dead_letter_topic, topic_specs
from events.transport.local_log import LocalLogTransport
from events.transport.ports import ConsumedRecord, ConsumeFailed, LogConsumer, OutgoingRecord
from services.common.database import Database
from services.common.sqltypes import utc_now
from tests.waiting import eventually

GROUP = "test-group"
TOPIC = "order.events"
DEAD_LETTERS = dead_letter_topic(GROUP)

applied_metadata = MetaData()
applied = Table("applied", applied_metadata, Column("order_id", String(50), nullable=False))


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    database = Database.connect(f"sqlite:///{tmp_path / 'consumer.db'}")
    create_inbox(database.engine)
    applied_metadata.create_all(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def transport(tmp_path: Path) -> LocalLogTransport:
    transport = LocalLogTransport(tmp_path / "log.sqlite")
    transport.admin().ensure_topics(topic_specs((GROUP,)))
    return transport


def order_created(
    checkout_id: str = "chk-1", event_id: uuid.UUID | None = None, **changes: object
) -> Envelope:
    payload: dict[str, object] = {
        "order_id": f"ord-{checkout_id}",
        "checkout_id": checkout_id,
        "customer_id": "cust-1",
        "total": {"amount_minor": 1999, "currency": "EUR"},
        "lines": [],
        "quote_id": "q-1",
        "payment_id": "p-1",
        **changes,
    }
    return Envelope(
        event_id=event_id or uuid.uuid4(),
        event_type="OrderCreated",
        schema_version=1,
        source="order",
        checkout_id=checkout_id,
        occurred_at=datetime.now(UTC),
        payload=payload,
    )


def record_apply(envelope: Envelope, payload: EventPayload, session: Session) -> None:
    session.execute(insert(applied).values(order_id=envelope.payload["order_id"]))


def runner(
    database: Database,
    transport: LocalLogTransport,
    handler: Handler = record_apply,
    after_commit: AfterCommit | None = None,
    **settings: float,
) -> ConsumerRunner:
    return ConsumerRunner(
        GROUP,
        transport.consumer(GROUP, [TOPIC]),
        database,
        {"OrderCreated": handler},
        DeadLetterQueue(GROUP, transport.publisher("dead-letters")),
        ConsumerSettings(
            retry_first_seconds=0.01, retry_longest_seconds=0.02, poll_timeout_seconds=0.05, **settings
        ),
        after_commit,
    )


def publish(transport: LocalLogTransport, *records: OutgoingRecord) -> None:
    transport.publisher("test").publish(list(records))


def applied_count(database: Database) -> int:
    with database.read_sessions.begin() as session:
        return session.execute(select(func.count()).select_from(applied)).scalar_one()


def drain(consumer: ConsumerRunner) -> None:
    while consumer.consume_once():
        pass


def dead_letters(transport: LocalLogTransport) -> list[dict[str, str]]:
    reader = transport.consumer("dead-letter-reader", [DEAD_LETTERS])
    headers = [dict(record.headers) for record in reader.poll(100, 0.05)]
    reader.close()
    return headers


def applied_days_ago(database: Database, days: float) -> None:
    """As if every event in the inbox had been applied ``days`` ago."""
    with database.engine.begin() as connection:
        connection.execute(update(inbox).values(processed_at=utc_now() - timedelta(days=days)))


def remembered(database: Database) -> set[tuple[str, str]]:
    with database.engine.connect() as connection:
        return {(row.group_id, row.event_type) for row in connection.execute(select(inbox))}


def test_the_group_forgets_events_applied_longer_ago_than_the_retention(
    database: Database, transport: LocalLogTransport
) -> None:
    publish(transport, to_record(TOPIC, order_created("chk-1")), to_record(TOPIC, order_created("chk-2")))
    consumer = runner(database, transport, keep_processed_days=14)
    drain(consumer)
    with database.write_sessions.begin() as session:
        Inbox(session, "another-group").add(uuid.uuid4(), "Kept")  # old or not, not this group's
    applied_days_ago(database, 15)
    publish(transport, to_record(TOPIC, order_created("chk-3")))
    drain(consumer)

    assert consumer.purge_inbox() == 2
    assert consumer.purged_total == 2
    assert remembered(database) == {(GROUP, "OrderCreated"), ("another-group", "Kept")}


@pytest.mark.parametrize(("keep_days", "applied_days"), [(14, 13), (0, 3650)])
def test_events_applied_within_the_retention_or_with_none_are_remembered(
    database: Database, transport: LocalLogTransport, keep_days: float, applied_days: float
) -> None:
    publish(transport, to_record(TOPIC, order_created("chk-1")))
    consumer = runner(database, transport, keep_processed_days=keep_days)
    drain(consumer)
    applied_days_ago(database, applied_days)
    assert consumer.purge_inbox() == 0
    assert remembered(database) == {(GROUP, "OrderCreated")}


def test_a_running_group_forgets_old_events_as_soon_as_it_starts(
    database: Database, transport: LocalLogTransport
) -> None:
    publish(transport, to_record(TOPIC, order_created("chk-1")))
    drain(runner(database, transport))
    applied_days_ago(database, 30)
    consumer = runner(database, transport)
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop,))
    thread.start()
    try:
        forgotten = eventually(lambda: not remembered(database))
    finally:
        stop.set()
        thread.join()
    assert forgotten


def test_each_event_takes_effect_once(database: Database, transport: LocalLogTransport) -> None:
    publish(transport, to_record(TOPIC, order_created("chk-1")), to_record(TOPIC, order_created("chk-2")))
    drain(runner(database, transport))
    assert applied_count(database) == 2


def test_a_republished_event_is_skipped(database: Database, transport: LocalLogTransport) -> None:
    event = order_created("chk-1")
    publish(transport, to_record(TOPIC, event), to_record(TOPIC, event))
    drain(runner(database, transport))
    publish(transport, to_record(TOPIC, event))
    drain(runner(database, transport))
    assert applied_count(database) == 1


def test_offsets_are_committed_after_the_batch_so_a_new_consumer_resumes_after_it(
    database: Database, transport: LocalLogTransport
) -> None:
    publish(transport, to_record(TOPIC, order_created("chk-1")))
    first = runner(database, transport)
    drain(first)
    publish(transport, to_record(TOPIC, order_created("chk-2")))
    drain(runner(database, transport))
    assert applied_count(database) == 2
    assert runner(database, transport).consume_once() == 0


def test_event_types_without_a_handler_are_acknowledged_and_ignored(
    database: Database, transport: LocalLogTransport
) -> None:
    other = order_created().model_copy(update={"event_type": "FulfilmentRequested"})
    publish(transport, to_record(TOPIC, other))
    consumer = runner(database, transport)
    assert consumer.consume_once() == 1
    assert applied_count(database) == 0
    assert dead_letters(transport) == []


def test_a_value_that_is_not_an_envelope_is_dead_lettered_and_the_group_goes_on(
    database: Database, transport: LocalLogTransport
) -> None:
    publish(
        transport,
        OutgoingRecord(TOPIC, "chk-1", b"not json", {"event-type": "OrderCreated"}),
        to_record(TOPIC, order_created("chk-1")),
    )
    drain(runner(database, transport))
    assert applied_count(database) == 1
    (parked,) = dead_letters(transport)
    assert parked["dead-letter-group"] == GROUP
    assert parked["dead-letter-topic"] == TOPIC
    assert "not an event envelope" in parked["dead-letter-reason"]
    assert parked["event-type"] == "OrderCreated"


def test_a_payload_breaking_its_contract_is_dead_lettered(
    database: Database, transport: LocalLogTransport
) -> None:
    broken = order_created("chk-1", total={"amount_minor": "19.99", "currency": "EUR"})
    publish(transport, to_record(TOPIC, broken), to_record(TOPIC, order_created("chk-2")))
    drain(runner(database, transport))
    assert applied_count(database) == 1
    (parked,) = dead_letters(transport)
    assert "OrderCreated" in parked["dead-letter-reason"]
    assert "19.99" not in parked["dead-letter-reason"]


def test_a_handler_refusing_an_event_for_good_dead_letters_it_without_effect(
    database: Database, transport: LocalLogTransport
) -> None:
    def refuse(envelope: Envelope, payload: EventPayload, session: Session) -> None:
        record_apply(envelope, payload, session)
        raise Poison("loyalty answered 409 AWARD_CONFLICT")

    publish(transport, to_record(TOPIC, order_created("chk-1")))
    drain(runner(database, transport, refuse))
    assert applied_count(database) == 0
    assert [h["dead-letter-reason"] for h in dead_letters(transport)] == [
        "loyalty answered 409 AWARD_CONFLICT"
    ]


def test_an_event_refused_in_a_batch_is_dead_lettered_and_the_rest_of_the_batch_applies_once(
    database: Database, transport: LocalLogTransport
) -> None:
    def refuse_chk_2(envelope: Envelope, payload: EventPayload, session: Session) -> None:
        record_apply(envelope, payload, session)
        if envelope.checkout_id == "chk-2":
            raise Poison("refused")

    publish(transport, *(to_record(TOPIC, order_created(f"chk-{n}")) for n in (1, 2, 3)))
    drain(runner(database, transport, refuse_chk_2))
    assert applied_count(database) == 2
    assert [h["dead-letter-reason"] for h in dead_letters(transport)] == ["refused"]


def test_a_technical_failure_in_a_batch_applies_each_event_once_when_it_passes(
    database: Database, transport: LocalLogTransport
) -> None:
    failures = iter([ConnectionError("loyalty down")])

    def flaky_on_chk_2(envelope: Envelope, payload: EventPayload, session: Session) -> None:
        record_apply(envelope, payload, session)
        if envelope.checkout_id == "chk-2" and (failure := next(failures, None)) is not None:
            raise failure

    publish(transport, *(to_record(TOPIC, order_created(f"chk-{n}")) for n in (1, 2, 3)))
    drain(runner(database, transport, flaky_on_chk_2))
    assert applied_count(database) == 3


class Committed:
    """An ``after_commit`` hook noting each event's checkout and whether its effect is visible to a
    reader (that is, committed) when the hook hears of it."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.seen: list[tuple[str | None, bool]] = []

    def __call__(self, envelope: Envelope, payload: EventPayload) -> None:
        with self.database.read_sessions.begin() as session:
            rows = session.execute(select(applied).where(applied.c.order_id == envelope.payload["order_id"]))
            self.seen.append((envelope.checkout_id, rows.first() is not None))


def test_after_commit_hears_of_each_applied_event_once_its_effect_is_committed(
    database: Database, transport: LocalLogTransport
) -> None:
    committed = Committed(database)
    publish(transport, to_record(TOPIC, order_created("chk-1")), to_record(TOPIC, order_created("chk-2")))
    drain(runner(database, transport, after_commit=committed))
    assert committed.seen == [("chk-1", True), ("chk-2", True)]


def test_after_commit_does_not_hear_of_a_replay_the_inbox_skipped(
    database: Database, transport: LocalLogTransport
) -> None:
    event = order_created("chk-1")
    publish(transport, to_record(TOPIC, event), to_record(TOPIC, event))
    committed = Committed(database)
    drain(runner(database, transport, after_commit=committed))
    assert committed.seen == [("chk-1", True)]


def test_after_commit_does_not_hear_of_a_dead_lettered_event(
    database: Database, transport: LocalLogTransport
) -> None:
    def refuse(envelope: Envelope, payload: EventPayload, session: Session) -> None:
        raise Poison("never")

    committed = Committed(database)
    publish(transport, to_record(TOPIC, order_created("chk-1")))
    drain(runner(database, transport, refuse, committed))
    assert committed.seen == []


def test_a_technical_failure_is_retried_until_the_event_applies(
    database: Database, transport: LocalLogTransport
) -> None:
    failures = iter([ConnectionError("loyalty down"), ConnectionError("still down")])

    def flaky(envelope: Envelope, payload: EventPayload, session: Session) -> None:
        if (failure := next(failures, None)) is not None:
            raise failure
        record_apply(envelope, payload, session)

    publish(transport, to_record(TOPIC, order_created("chk-1")))
    drain(runner(database, transport, flaky))
    assert applied_count(database) == 1
    assert dead_letters(transport) == []


def test_stopping_during_retries_commits_nothing_so_the_event_comes_back(
    database: Database, transport: LocalLogTransport
) -> None:
    def down(envelope: Envelope, payload: EventPayload, session: Session) -> None:
        raise ConnectionError("loyalty down")

    publish(transport, to_record(TOPIC, order_created("chk-1")))
    stop = threading.Event()
    stop.set()
    assert runner(database, transport, down).consume_once(stop) == 0
    drain(runner(database, transport))
    assert applied_count(database) == 1


def test_lag_counts_what_the_group_has_not_committed(
    database: Database, transport: LocalLogTransport
) -> None:
    publish(transport, *(to_record(TOPIC, order_created(f"chk-{i}")) for i in range(3)))
    consumer = runner(database, transport)
    drain(consumer)
    assert sum(consumer.last_lag.values()) == 0


def rename_log_records(path: Path, old: str, new: str) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute(f"ALTER TABLE {old} RENAME TO {new}")


def readiness_once(consumer: ConsumerRunner, wanted: str | None, stop: threading.Event) -> str | None:
    """The consumer's readiness problem once it is ``wanted``, or as it is after five seconds."""
    for _ in range(500):
        if consumer.readiness.problem == wanted:
            break
        stop.wait(0.01)
    return consumer.readiness.problem


def test_a_consumer_is_ready_once_it_polls_and_not_while_its_log_fails(
    database: Database, transport: LocalLogTransport, tmp_path: Path
) -> None:
    consumer = runner(database, transport)
    seen = [consumer.readiness.problem]
    stop = threading.Event()
    thread = threading.Thread(target=consumer.run, args=(stop,))
    thread.start()
    try:
        seen.append(readiness_once(consumer, None, stop))
        rename_log_records(tmp_path / "log.sqlite", "records", "records_away")
        seen.append(readiness_once(consumer, "ConsumeFailed", stop))
        rename_log_records(tmp_path / "log.sqlite", "records_away", "records")
        seen.append(readiness_once(consumer, None, stop))
    finally:
        stop.set()
        thread.join()

    assert seen == [NOT_STARTED, None, "ConsumeFailed", None]


class LagFails:
    """A real local-log consumer whose lag measurement fails, as Kafka's does while a broker recovers."""

    def __init__(self, inner: LogConsumer) -> None:
        self.inner = inner
        self.lag_attempts = 0

    def poll(self, max_records: int, timeout_s: float) -> list[ConsumedRecord]:
        return self.inner.poll(max_records, timeout_s)

    def commit(self, records: Sequence[ConsumedRecord]) -> None:
        self.inner.commit(records)

    def lag(self) -> dict[tuple[str, int], int]:
        self.lag_attempts += 1
        raise ConsumeFailed("lag not measured: broker timed out")

    def close(self) -> None:
        self.inner.close()


def test_a_failed_lag_measurement_is_not_retried_at_every_poll(
    database: Database, transport: LocalLogTransport
) -> None:
    consumer = LagFails(transport.consumer(GROUP, [TOPIC]))
    consumer_runner = ConsumerRunner(
        GROUP,
        consumer,
        database,
        {"OrderCreated": record_apply},
        DeadLetterQueue(GROUP, transport.publisher("dead-letters")),
        ConsumerSettings(poll_timeout_seconds=0.01),
    )
    for n in range(3):
        publish(transport, to_record(TOPIC, order_created(f"chk-{n}")))
        with contextlib.suppress(ConsumeFailed):
            consumer_runner.consume_once()
    assert consumer.lag_attempts == 1
    assert applied_count(database) == 3
