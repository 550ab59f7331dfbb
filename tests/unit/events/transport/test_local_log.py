"""The local log keeps Kafka's promises on one SQLite file: atomic batches, per-key order, group offsets."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from events.transport.local_log import (
    LocalLogConsumer,
    LocalLogPublisher,
    LocalLogTopicAdmin,
    partition_for,
)
from events.transport.ports import ConsumedRecord, OutgoingRecord, PublishFailed, TopicSpec

ORDERS = "orders.events"
AUDIT = "audit.events"
WAIT_S = 0.2

OpenConsumer = Callable[..., LocalLogConsumer]


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    path = tmp_path / "events" / "log.sqlite"
    LocalLogTopicAdmin(path).ensure_topics([TopicSpec(ORDERS, 3, 60_000), TopicSpec(AUDIT, 1, 60_000)])
    return path


@pytest.fixture
def publisher(log_path: Path) -> Iterator[LocalLogPublisher]:
    publisher = LocalLogPublisher(log_path)
    yield publisher
    publisher.close()


@pytest.fixture
def open_consumer(log_path: Path) -> Iterator[OpenConsumer]:
    """Factory: ``open_consumer(group)`` reads ORDERS for ``group``; every consumer is closed afterwards."""
    opened: list[LocalLogConsumer] = []

    def open_(group: str = "group-a", topics: tuple[str, ...] = (ORDERS,)) -> LocalLogConsumer:
        consumer = LocalLogConsumer(log_path, group, topics)
        opened.append(consumer)
        return consumer

    yield open_
    for consumer in opened:
        consumer.close()


def order(key: str | None, value: str, topic: str = ORDERS) -> OutgoingRecord:
    return OutgoingRecord(topic=topic, key=key, value=value.encode())


def drain(consumer: LocalLogConsumer) -> list[ConsumedRecord]:
    """Everything the consumer has not returned yet."""
    records: list[ConsumedRecord] = []
    while batch := consumer.poll(100, 0):
        records += batch
    return records


def values(records: list[ConsumedRecord]) -> list[str]:
    return [record.value.decode() for record in records]


def test_a_published_record_is_consumed_with_its_key_value_and_headers(
    publisher: LocalLogPublisher, open_consumer: OpenConsumer
) -> None:
    headers = {"event-id": "e-1", "traceparent": "00-abc-def-01"}
    publisher.publish([OutgoingRecord(ORDERS, "checkout-1", b'{"n": 1}', headers)])

    [record] = open_consumer().poll(10, WAIT_S)

    assert (record.topic, record.key, record.value, dict(record.headers)) == (
        ORDERS,
        "checkout-1",
        b'{"n": 1}',
        headers,
    )


def test_a_batch_with_an_unknown_topic_fails_whole_and_leaves_nothing_visible(
    publisher: LocalLogPublisher, open_consumer: OpenConsumer
) -> None:
    with pytest.raises(PublishFailed, match="never-created"):
        publisher.publish([order("checkout-1", "first"), order("checkout-1", "lost", topic="never-created")])

    assert open_consumer().poll(10, 0) == []


def test_records_of_one_key_are_consumed_in_publish_order(
    publisher: LocalLogPublisher, open_consumer: OpenConsumer
) -> None:
    publisher.publish([order("checkout-1", "started"), order("checkout-2", "other")])
    publisher.publish([order("checkout-1", "reserved"), order("checkout-1", "paid")])

    records = drain(open_consumer())

    assert values([r for r in records if r.key == "checkout-1"]) == ["started", "reserved", "paid"]


def test_records_with_the_same_key_share_the_partition_the_partitioner_picks(
    publisher: LocalLogPublisher, open_consumer: OpenConsumer
) -> None:
    publisher.publish([order(f"checkout-{n % 4}", str(n)) for n in range(12)])

    records = drain(open_consumer())

    assert {(r.key, r.partition) for r in records} == {
        (f"checkout-{n}", partition_for(f"checkout-{n}", 3)) for n in range(4)
    }


def test_keyless_records_go_to_partition_zero(
    publisher: LocalLogPublisher, open_consumer: OpenConsumer
) -> None:
    publisher.publish([order(None, "a"), order(None, "b")])

    assert [(r.partition, r.offset) for r in drain(open_consumer())] == [(0, 0), (0, 1)]


def test_offsets_in_a_partition_are_consecutive_across_batches(
    publisher: LocalLogPublisher, open_consumer: OpenConsumer
) -> None:
    publisher.publish([order("checkout-1", "a"), order("checkout-1", "b")])
    publisher.publish([order("checkout-1", "c")])

    assert [r.offset for r in drain(open_consumer())] == [0, 1, 2]


def test_a_new_consumer_of_the_group_resumes_after_the_committed_offset(
    publisher: LocalLogPublisher, open_consumer: OpenConsumer
) -> None:
    publisher.publish([order("checkout-1", "one"), order("checkout-1", "two"), order("checkout-1", "three")])
    first = open_consumer()
    first.commit(first.poll(2, WAIT_S))
    first.close()

    assert values(drain(open_consumer())) == ["three"]


def test_records_returned_but_not_committed_are_delivered_again_to_a_new_consumer(
    publisher: LocalLogPublisher, open_consumer: OpenConsumer
) -> None:
    publisher.publish([order("checkout-1", "one"), order("checkout-1", "two")])
    first = open_consumer()
    assert values(drain(first)) == ["one", "two"]
    first.close()

    assert values(drain(open_consumer())) == ["one", "two"]


def test_a_consumer_does_not_return_a_record_twice_before_committing(
    publisher: LocalLogPublisher, open_consumer: OpenConsumer
) -> None:
    consumer = open_consumer()
    publisher.publish([order("checkout-1", "one")])
    assert values(consumer.poll(10, WAIT_S)) == ["one"]

    publisher.publish([order("checkout-1", "two")])

    assert values(consumer.poll(10, WAIT_S)) == ["two"]


def test_each_group_keeps_its_own_committed_offsets(
    publisher: LocalLogPublisher, open_consumer: OpenConsumer
) -> None:
    publisher.publish([order("checkout-1", "one"), order("checkout-1", "two")])
    loyalty = open_consumer("loyalty")
    loyalty.commit(drain(loyalty))

    assert values(drain(open_consumer("projection"))) == ["one", "two"]


def test_lag_counts_the_records_the_group_has_not_committed_per_partition(
    publisher: LocalLogPublisher, open_consumer: OpenConsumer
) -> None:
    key = "checkout-1"
    publisher.publish([order(key, "one"), order(key, "two"), order(key, "three")])
    consumer = open_consumer()
    before = consumer.lag()
    consumer.commit(consumer.poll(1, WAIT_S))

    partition = partition_for(key, 3)
    assert before == {(ORDERS, p): (3 if p == partition else 0) for p in range(3)}
    assert consumer.lag()[(ORDERS, partition)] == 2


def test_a_consumer_reads_a_topic_ensured_after_it_started(
    log_path: Path, publisher: LocalLogPublisher, open_consumer: OpenConsumer
) -> None:
    consumer = open_consumer(topics=(ORDERS, "late.events"))
    assert consumer.poll(10, 0) == []
    LocalLogTopicAdmin(log_path).ensure_topics([TopicSpec("late.events", 1, 60_000)])

    publisher.publish([order("checkout-1", "late", topic="late.events")])

    assert values(consumer.poll(10, WAIT_S)) == ["late"]


def test_poll_returns_a_record_published_while_it_waits(
    publisher: LocalLogPublisher, open_consumer: OpenConsumer
) -> None:
    consumer = open_consumer()
    timer = threading.Timer(0.1, publisher.publish, [[order("checkout-1", "arrived")]])
    timer.start()

    records = consumer.poll(10, 10)
    timer.join()

    assert values(records) == ["arrived"]


def test_ensuring_an_existing_topic_again_leaves_it_as_it_was(
    log_path: Path, publisher: LocalLogPublisher, open_consumer: OpenConsumer
) -> None:
    LocalLogTopicAdmin(log_path).ensure_topics([TopicSpec(ORDERS, 12, 1)])

    assert set(open_consumer().lag()) == {(ORDERS, p) for p in range(3)}


def test_publishers_on_one_file_interleave_without_losing_or_repeating_an_offset(
    log_path: Path, open_consumer: OpenConsumer
) -> None:
    publishers = [LocalLogPublisher(log_path) for _ in range(2)]

    def publish_batches(name: str, publisher: LocalLogPublisher) -> None:
        for batch in range(20):
            publisher.publish([order(None, f"{name}-{batch}-{n}", topic=AUDIT) for n in range(5)])

    threads = [
        threading.Thread(target=publish_batches, args=(name, publisher))
        for name, publisher in zip("ab", publishers, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for publisher in publishers:
        publisher.close()

    records = drain(open_consumer(topics=(AUDIT,)))
    batches: dict[str, list[int]] = defaultdict(list)
    for record in records:
        batches[record.value.decode().rsplit("-", 1)[0]].append(record.offset)
    assert [r.offset for r in records] == list(range(200))
    assert sorted(values(records)) == sorted(
        f"{p}-{b}-{n}" for p in "ab" for b in range(20) for n in range(5)
    )
    assert all(offsets == list(range(offsets[0], offsets[0] + 5)) for offsets in batches.values())
