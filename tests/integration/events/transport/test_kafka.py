"""The Kafka adapter against the real broker: transactions, read-committed reads, offsets, lag, topics."""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Iterator

import pytest
from confluent_kafka import KafkaException, Producer
from confluent_kafka.admin import AdminClient  # type: ignore[attr-defined]  # untyped re-export

from events.transport.kafka import KafkaLogConsumer, KafkaPublisher, KafkaTopicAdmin
from events.transport.local_log import partition_for
from events.transport.ports import ConsumedRecord, ConsumeFailed, OutgoingRecord, PublishFailed, TopicSpec
from tests.integration.events.transport.forwarder import Forwarder
from tests.kafka_topics import partitions_of, retention_of

TIMEOUT_S = 30
OpenConsumer = Callable[..., KafkaLogConsumer]


@pytest.fixture
def publisher(kafka_bootstrap: str, unique_transactional_id: str) -> Iterator[KafkaPublisher]:
    publisher = KafkaPublisher(kafka_bootstrap, unique_transactional_id)
    yield publisher
    publisher.close()


@pytest.fixture
def open_consumer(kafka_bootstrap: str, run_id: str) -> Iterator[OpenConsumer]:
    """Factory: ``open_consumer(topic, group=...)``; a group unique to the test unless one is given."""
    opened: list[KafkaLogConsumer] = []
    default_group = f"test-group.{run_id}.{uuid.uuid4().hex[:8]}"

    def open_(topic: str, group: str = default_group) -> KafkaLogConsumer:
        consumer = KafkaLogConsumer(kafka_bootstrap, group, [topic])
        opened.append(consumer)
        return consumer

    yield open_
    for consumer in opened:
        consumer.close()


@pytest.fixture
def topic_name(kafka_admin: AdminClient, run_id: str) -> Iterator[Callable[[], str]]:
    """Factory of names for topics the test creates itself; whichever exist afterwards are deleted."""
    names: list[str] = []

    def name() -> str:
        names.append(f"test-admin.{run_id}.{uuid.uuid4().hex[:8]}")
        return names[-1]

    yield name
    for future in kafka_admin.delete_topics(names, operation_timeout=TIMEOUT_S).values():
        with contextlib.suppress(KafkaException):  # never created
            future.result(timeout=TIMEOUT_S)


def record(topic: str, value: str, key: str | None = "checkout-1") -> OutgoingRecord:
    return OutgoingRecord(topic=topic, key=key, value=value.encode())


def consume(consumer: KafkaLogConsumer, count: int) -> list[ConsumedRecord]:
    """At least ``count`` records, or all that arrived when the time ran out."""
    records: list[ConsumedRecord] = []
    deadline = time.monotonic() + TIMEOUT_S
    while len(records) < count and time.monotonic() < deadline:
        records += consumer.poll(count - len(records), 0.5)
    return records


def values(records: list[ConsumedRecord]) -> list[str]:
    return [r.value.decode() for r in records]


def test_a_published_batch_is_consumed_with_keys_values_and_headers(
    unique_topic: Callable[..., str], publisher: KafkaPublisher, open_consumer: OpenConsumer
) -> None:
    topic = unique_topic("transport")
    headers = {"event-id": "e-1", "traceparent": "00-abc-def-01"}
    publisher.publish([OutgoingRecord(topic, "checkout-1", b"one", headers), record(topic, "two", key=None)])

    records = consume(open_consumer(topic), 2)

    assert [(r.key, r.value, dict(r.headers)) for r in records] == [
        ("checkout-1", b"one", headers),
        (None, b"two", {}),
    ]


def test_a_batch_with_a_record_the_broker_rejects_fails_and_none_of_it_is_ever_read(
    kafka_bootstrap: str,
    unique_topic: Callable[..., str],
    unique_transactional_id: str,
    open_consumer: OpenConsumer,
) -> None:
    topic = unique_topic("transport")
    # A topic that does not exist is reported after the metadata propagation wait: shorten it.
    publisher = KafkaPublisher(
        kafka_bootstrap, unique_transactional_id, extra_config={"topic.metadata.propagation.max.ms": 500}
    )
    with pytest.raises(PublishFailed, match="rejected"):
        publisher.publish([record(topic, "aborted"), record(f"{topic}.missing", "unknown topic")])
    publisher.publish([record(topic, "committed")])
    publisher.close()

    assert values(consume(open_consumer(topic), 1)) == ["committed"]


def test_a_batch_with_a_record_too_large_to_produce_fails_and_none_of_it_is_ever_read(
    unique_topic: Callable[..., str], publisher: KafkaPublisher, open_consumer: OpenConsumer
) -> None:
    topic = unique_topic("transport")
    with pytest.raises(PublishFailed, match="too large"):
        publisher.publish([record(topic, "aborted"), record(topic, "x" * 2_000_000)])
    publisher.publish([record(topic, "committed")])

    assert values(consume(open_consumer(topic), 1)) == ["committed"]


def test_keys_land_in_the_partition_the_local_log_would_pick(
    unique_topic: Callable[..., str], publisher: KafkaPublisher, open_consumer: OpenConsumer
) -> None:
    topic = unique_topic("transport", partitions=6)
    keys = [f"checkout-{n}" for n in range(12)]
    publisher.publish([record(topic, key, key=key) for key in keys])

    records = consume(open_consumer(topic), len(keys))

    assert {(r.key, r.partition) for r in records} == {(key, partition_for(key, 6)) for key in keys}


@pytest.mark.timeout(60)
def test_poll_returns_the_records_available_without_waiting_for_max_records(
    unique_topic: Callable[..., str], publisher: KafkaPublisher, open_consumer: OpenConsumer
) -> None:
    topic = unique_topic("transport")
    publisher.publish([record(topic, "only")])

    # Were it to wait for 1000 records, the poll would run into the test's timeout.
    assert values(open_consumer(topic).poll(1000, 120)) == ["only"]


def test_a_new_consumer_of_the_group_resumes_after_the_committed_offset(
    unique_topic: Callable[..., str], publisher: KafkaPublisher, open_consumer: OpenConsumer
) -> None:
    topic = unique_topic("transport")
    publisher.publish([record(topic, "one"), record(topic, "two")])
    publisher.publish([record(topic, "three")])
    first = open_consumer(topic)
    first.commit(consume(first, 2)[:2])
    first.close()

    assert values(consume(open_consumer(topic), 1)) == ["three"]


def test_records_returned_but_not_committed_are_delivered_again_to_a_new_consumer(
    unique_topic: Callable[..., str], publisher: KafkaPublisher, open_consumer: OpenConsumer
) -> None:
    topic = unique_topic("transport")
    publisher.publish([record(topic, "one"), record(topic, "two")])
    first = open_consumer(topic)
    assert values(consume(first, 2)) == ["one", "two"]
    first.close()

    assert values(consume(open_consumer(topic), 2)) == ["one", "two"]


def test_lag_counts_the_offsets_the_group_has_not_committed(
    unique_topic: Callable[..., str], publisher: KafkaPublisher, open_consumer: OpenConsumer
) -> None:
    topic = unique_topic("transport")
    publisher.publish([record(topic, "one"), record(topic, "two"), record(topic, "three")])
    consumer = open_consumer(topic)
    records = consume(consumer, 3)
    consumer.commit(records[:1])

    # Offsets, as Kafka counts them: the two records not committed and the transaction's commit marker.
    assert consumer.lag() == {(topic, 0): 3}


def test_lag_is_zero_once_every_record_is_committed_and_the_consumer_polled_on(
    unique_topic: Callable[..., str], publisher: KafkaPublisher, open_consumer: OpenConsumer
) -> None:
    topic = unique_topic("transport")
    publisher.publish([record(topic, "one"), record(topic, "two")])
    publisher.publish([record(topic, "three")])
    consumer = open_consumer(topic)
    consumer.commit(consume(consumer, 3))
    assert consumer.poll(10, 0.5) == []

    assert consumer.lag() == {(topic, 0): 0}


def test_poll_raises_consume_failed_for_a_subscribed_topic_that_does_not_exist(
    open_consumer: OpenConsumer, run_id: str
) -> None:
    consumer = open_consumer(f"test-missing.{run_id}.{uuid.uuid4().hex[:8]}")

    with pytest.raises(ConsumeFailed, match="Unknown topic"):
        consume(consumer, 1)


def test_ensure_topics_creates_each_topic_with_its_partitions_and_retention(
    kafka_bootstrap: str, kafka_admin: AdminClient, topic_name: Callable[[], str]
) -> None:
    specs = [TopicSpec(topic_name(), 3, 3_600_000), TopicSpec(topic_name(), 1, 86_400_000)]

    KafkaTopicAdmin(kafka_bootstrap).ensure_topics(specs)

    assert [(len(partitions_of(kafka_admin, s.name)), retention_of(kafka_admin, s.name)) for s in specs] == [
        (3, "3600000"),
        (1, "86400000"),
    ]


def test_ensure_topics_leaves_an_existing_topic_as_it_was(
    kafka_bootstrap: str, kafka_admin: AdminClient, topic_name: Callable[[], str]
) -> None:
    name = topic_name()
    admin = KafkaTopicAdmin(kafka_bootstrap)
    admin.ensure_topics([TopicSpec(name, 2, 3_600_000)])

    admin.ensure_topics([TopicSpec(name, 5, 60_000)])

    assert (len(partitions_of(kafka_admin, name)), retention_of(kafka_admin, name)) == (2, "3600000")


@pytest.mark.timeout(60)
def test_publishing_while_the_broker_is_unreachable_fails_within_the_timeout(
    kafka_bootstrap: str, unique_transactional_id: str
) -> None:
    bootstrap = Forwarder(kafka_bootstrap)  # not started: every connection is refused
    publisher = KafkaPublisher(bootstrap.address, unique_transactional_id, timeout_s=2)
    try:
        with pytest.raises(PublishFailed):
            publisher.publish([record("transport.unreachable", "lost")])
    finally:
        publisher.close()
        bootstrap.close()


@pytest.mark.timeout(60)
def test_a_publisher_that_failed_while_the_broker_was_unreachable_publishes_once_it_is_back(
    kafka_bootstrap: str,
    unique_transactional_id: str,
    unique_topic: Callable[..., str],
    open_consumer: OpenConsumer,
) -> None:
    topic = unique_topic("transport")
    bootstrap = Forwarder(kafka_bootstrap)
    publisher = KafkaPublisher(bootstrap.address, unique_transactional_id, timeout_s=3)
    try:
        with pytest.raises(PublishFailed):
            publisher.publish([record(topic, "while down")])
        bootstrap.start()
        publisher.publish([record(topic, "once back")])
    finally:
        publisher.close()
        bootstrap.close()

    assert values(consume(open_consumer(topic), 1)) == ["once back"]


LONGEST_TRANSACTION_MS = 900_000
"""The broker's default ``transaction.max.timeout.ms``: a transaction left open this long blocks
read-committed consumers for the whole test unless something aborts it."""


@pytest.mark.timeout(90)
def test_a_publisher_taking_over_a_transactional_id_aborts_what_its_crashed_predecessor_left_open(
    kafka_bootstrap: str,
    unique_transactional_id: str,
    unique_topic: Callable[..., str],
    open_consumer: OpenConsumer,
) -> None:
    topic = unique_topic("transport")
    crashed = Producer(
        {
            "bootstrap.servers": kafka_bootstrap,
            "transactional.id": unique_transactional_id,
            "transaction.timeout.ms": LONGEST_TRANSACTION_MS,
        }
    )
    crashed.init_transactions(TIMEOUT_S)
    crashed.begin_transaction()
    crashed.produce(topic, value=b"left open", key=b"checkout-1")
    assert crashed.flush(TIMEOUT_S) == 0  # on the partition, in a transaction nobody will end

    successor = KafkaPublisher(kafka_bootstrap, unique_transactional_id)
    try:
        successor.publish([record(topic, "after the takeover")])
    finally:
        successor.close()

    # Read-committed: readable only because the successor's init_transactions aborted the open one.
    assert values(consume(open_consumer(topic), 1)) == ["after the takeover"]
    with pytest.raises(KafkaException) as fenced:
        crashed.commit_transaction(TIMEOUT_S)  # a paused predecessor waking up cannot publish
    assert fenced.value.args[0].fatal()


def test_a_consumer_logs_the_partitions_it_is_assigned_and_gives_back(
    kafka_bootstrap: str,
    unique_topic: Callable[..., str],
    publisher: KafkaPublisher,
    run_id: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    topic = unique_topic("transport", partitions=2)
    publisher.publish([record(topic, "one")])
    group = f"test-group.{run_id}.{uuid.uuid4().hex[:8]}"
    with caplog.at_level(logging.INFO, logger="events.transport.kafka"):
        consumer = KafkaLogConsumer(kafka_bootstrap, group, [topic])
        try:
            assert values(consume(consumer, 1)) == ["one"]
        finally:
            consumer.close()

    partitions = f"{topic} [0], {topic} [1]"
    assert [r.getMessage() for r in caplog.records] == [
        f"{group}: assigned {partitions}",
        f"{group}: revoked {partitions}",
    ]
