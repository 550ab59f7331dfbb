"""``python -m events.dead_letters replay`` against the real broker, as an operator runs it.

Records are parked the way a consumer group parks them (consumed from their topic, then handed to
:class:`DeadLetterQueue`), the command runs as its own process, and what it republished is read back
with a read-committed consumer. "Nothing else arrived" is established without waiting: a sentinel is
published to every partition after the replay, and everything read before the sentinels is all there is.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient  # type: ignore[attr-defined]  # untyped re-export

from events.consumer.dead_letters import DeadLetterQueue
from events.dead_letters.replay import replay_group_id, replay_transactional_id
from events.topics import DEAD_LETTER_RETENTION_MS, dead_letter_topic
from events.transport.kafka import KafkaLogConsumer, KafkaPublisher, KafkaTopicAdmin
from events.transport.local_log import partition_for
from events.transport.ports import ConsumedRecord, OutgoingRecord, TopicSpec

PARTITIONS = 3
TIMEOUT_S = 30
SENTINEL = b"sentinel"


@dataclass
class Parked:
    """A consumer group with records parked on its dead-letter topic, and where they came from."""

    group: str
    topic: str
    originals: list[ConsumedRecord]


@pytest.fixture
def group(kafka_bootstrap: str, kafka_admin: AdminClient, run_id: str) -> Iterator[str]:
    """A consumer group of this test with its dead-letter topic created (as the consumer creates it)."""
    name = f"test-replay.{run_id}.{uuid.uuid4().hex[:8]}"
    KafkaTopicAdmin(kafka_bootstrap).ensure_topics(
        [TopicSpec(dead_letter_topic(name), 1, DEAD_LETTER_RETENTION_MS)]
    )
    yield name
    for future in kafka_admin.delete_topics([dead_letter_topic(name)], operation_timeout=TIMEOUT_S).values():
        future.result(timeout=TIMEOUT_S)


def consume(consumer: KafkaLogConsumer, count: int) -> list[ConsumedRecord]:
    records: list[ConsumedRecord] = []
    deadline = time.monotonic() + TIMEOUT_S
    while len(records) < count and time.monotonic() < deadline:
        records += consumer.poll(count - len(records), 0.5)
    return records


def park(
    kafka_bootstrap: str, transactional_id: str, group: str, topic: str, records: list[OutgoingRecord]
) -> list[ConsumedRecord]:
    """Publish ``records`` to ``topic``, consume them as ``group`` and park each, as the runner does."""
    publisher = KafkaPublisher(kafka_bootstrap, f"{transactional_id}-relay")
    publisher.publish(records)
    publisher.close()
    consumer = KafkaLogConsumer(kafka_bootstrap, group, [topic])
    consumed = consume(consumer, len(records))
    assert len(consumed) == len(records)
    dead_letters = KafkaPublisher(kafka_bootstrap, f"{transactional_id}-dead-letters")
    queue = DeadLetterQueue(group, dead_letters)
    for record in consumed:
        queue.park(record, f"OrderCreated v9 is not a known contract (offset {record.offset})")
    consumer.commit(consumed)
    consumer.close()
    dead_letters.close()
    return consumed


@pytest.fixture
def parked(
    kafka_bootstrap: str, unique_topic: Callable[..., str], unique_transactional_id: str, group: str
) -> Parked:
    topic = unique_topic("orders", partitions=PARTITIONS)
    records = [
        OutgoingRecord(
            topic,
            f"chk-{n}",
            f'{{"event_id": "evt-{n}"}}'.encode(),
            {"event-id": f"evt-{n}", "event-type": "OrderCreated", "traceparent": f"00-{n:032x}-{n:016x}-01"},
        )
        for n in range(5)
    ]
    return Parked(group, topic, park(kafka_bootstrap, unique_transactional_id, group, topic, records))


def replay(kafka_bootstrap: str, group: str, *options: str) -> tuple[int, list[str]]:
    """Run the command; its exit status and output lines (librdkafka's log, on stderr, is left out)."""
    done = subprocess.run(
        [sys.executable, "-m", "events.dead_letters", "replay", "--group", group, *options],
        env={**os.environ, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stdout.splitlines()


def everything_on(kafka_bootstrap: str, topic: str, transactional_id: str) -> list[ConsumedRecord]:
    """Every committed record of ``topic`` so far, original and republished (sentinels excluded)."""
    keys = {partition_for(f"sentinel-{n}", PARTITIONS): f"sentinel-{n}" for n in range(100)}
    assert len(keys) == PARTITIONS
    publisher = KafkaPublisher(kafka_bootstrap, f"{transactional_id}-sentinel-{uuid.uuid4().hex[:6]}")
    publisher.publish([OutgoingRecord(topic, key, SENTINEL) for key in keys.values()])
    publisher.close()
    consumer = KafkaLogConsumer(kafka_bootstrap, f"reader-{uuid.uuid4().hex}", [topic])
    records: list[ConsumedRecord] = []
    seen = 0
    deadline = time.monotonic() + TIMEOUT_S
    while seen < PARTITIONS and time.monotonic() < deadline:
        for record in consumer.poll(100, 0.5):
            if record.value == SENTINEL:
                seen += 1
            else:
                records.append(record)
    consumer.close()
    assert seen == PARTITIONS, "the sentinels did not all arrive"
    return records


def copies(records: list[ConsumedRecord]) -> list[ConsumedRecord]:
    """The republished records: those after the originals (the first five, one per event id)."""
    first: dict[str, ConsumedRecord] = {}
    later: list[ConsumedRecord] = []
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        event_id = record.headers["event-id"]
        if event_id in first:
            later.append(record)
        else:
            first[event_id] = record
    return sorted(later, key=lambda r: r.headers["event-id"])


def test_replay_puts_each_dead_letter_back_on_its_topic_once(
    kafka_bootstrap: str, parked: Parked, unique_transactional_id: str
) -> None:
    dry_status, dry_run = replay(kafka_bootstrap, parked.group, "--dry-run")
    status, output = replay(kafka_bootstrap, parked.group)
    again_status, again = replay(kafka_bootstrap, parked.group)

    assert dry_status == 0, dry_run
    assert (
        sum(line.startswith("would replay ") and line.endswith(f"-> {parked.topic}") for line in dry_run) == 5
    )
    assert dry_run[-1].startswith("would replay 5 record(s)")
    assert status == 0, output
    assert sum(line.startswith("replayed ") and line.endswith(f"-> {parked.topic}") for line in output) == 5
    assert output[-1] == (
        f"replayed 5 record(s) from {dead_letter_topic(parked.group)} ({parked.topic} 5); "
        "0 skipped (no dead-letter-topic header); reached the end of the topic"
    )
    assert again_status == 0, again
    assert again == [
        f"replayed 0 record(s) from {dead_letter_topic(parked.group)}; "
        "0 skipped (no dead-letter-topic header); reached the end of the topic"
    ]
    republished = copies(everything_on(kafka_bootstrap, parked.topic, unique_transactional_id))
    originals = sorted(parked.originals, key=lambda r: r.headers["event-id"])
    assert [(r.key, r.value, dict(r.headers), r.partition) for r in republished] == [
        (r.key, r.value, dict(r.headers), r.partition) for r in originals
    ]


def test_max_replays_part_and_the_next_run_carries_on_after_it(
    kafka_bootstrap: str, parked: Parked, unique_transactional_id: str
) -> None:
    first_status, first = replay(kafka_bootstrap, parked.group, "--max", "2")
    rest_status, rest = replay(kafka_bootstrap, parked.group)

    assert (first_status, rest_status) == (0, 0), (first, rest)
    assert first[-1].startswith(f"replayed 2 record(s) from {dead_letter_topic(parked.group)}")
    assert first[-1].endswith("stopped at --max: run again for the rest")
    assert rest[-1].startswith(f"replayed 3 record(s) from {dead_letter_topic(parked.group)}")
    republished = copies(everything_on(kafka_bootstrap, parked.topic, unique_transactional_id))
    assert [r.headers["event-id"] for r in republished] == [f"evt-{n}" for n in range(5)]


def test_a_replay_that_died_mid_transaction_is_aborted_and_never_counts_twice(
    kafka_bootstrap: str, parked: Parked, unique_transactional_id: str
) -> None:
    """A replay killed after producing its batch and adding its offsets, before the commit: what it
    left behind is a transaction still open on the broker. The next run's producer has the same
    transactional.id, which aborts it; so each record is republished once, by the next run."""
    dead_letters = dead_letter_topic(parked.group)
    reader = Consumer(
        {
            "bootstrap.servers": kafka_bootstrap,
            "group.id": replay_group_id(parked.group),
            "enable.auto.commit": False,
        }
    )
    zombie = Producer(
        {"bootstrap.servers": kafka_bootstrap, "transactional.id": replay_transactional_id(parked.group)}
    )
    zombie.init_transactions(TIMEOUT_S)
    zombie.begin_transaction()
    first = parked.originals[0]
    zombie.produce(parked.topic, value=first.value, key=first.key, headers=dict(first.headers))
    zombie.send_offsets_to_transaction(
        [TopicPartition(dead_letters, 0, 2)], reader.consumer_group_metadata(), TIMEOUT_S
    )
    zombie.flush(TIMEOUT_S)  # delivered to the broker, never committed: then the process "dies"
    reader.close()

    status, output = replay(kafka_bootstrap, parked.group)

    assert status == 0, output
    assert output[-1].startswith(f"replayed 5 record(s) from {dead_letters}")
    republished = copies(everything_on(kafka_bootstrap, parked.topic, unique_transactional_id))
    assert [r.headers["event-id"] for r in republished] == [f"evt-{n}" for n in range(5)]


def test_a_group_without_a_dead_letter_topic_is_an_error(kafka_bootstrap: str, run_id: str) -> None:
    status, output = replay(kafka_bootstrap, f"no-such-group.{run_id}")

    assert status == 1
    assert output[-1].startswith(f"error: no dead-letter topic no-such-group.{run_id}.dead-letter")
