"""Replay a consumer group's dead-letter topic: each parked record goes back to the topic it came from.

A record lands on ``<group>.dead-letter`` when the group could not apply it (a contract the producer
broke, a request the downstream service refused for good). Once the cause is fixed (a consumer
deployed that understands the record, the data corrected), the records must be processed after all:
this puts each one back on its original topic (the ``dead-letter-topic`` header) with its key, value
and original headers, minus the ``dead-letter-*`` ones the consumer added. The group then consumes it
like any other record; with the same key it lands in the same partition as before.

Exactly once, on Kafka: the replay reads the dead-letter topic as its own consumer group
(``<group>.dead-letter-replay``, starting at that group's committed position) and commits the offsets
of each batch in the same Kafka transaction that produces the batch (``send_offsets_to_transaction``).
Either both happen or neither does, so a replay killed at any point never republishes a record twice:
the next run starts after the last committed batch. The producer's ``transactional.id`` is fixed per
group, so a new run fences a replay still running (or hung) elsewhere and aborts whatever transaction a
crashed run left open. Were a record republished twice anyway (by a person producing it by hand, say),
nothing would happen twice: consumers add every event id to their inbox in the transaction that
applies it (:mod:`events.consumer.inbox`) and skip ids they have seen.

A run replays what was on the dead-letter topic when it started: records parked while it runs (a
record that fails again is parked again) are left for the next run, so a replay always ends.
A record without a ``dead-letter-topic`` header cannot be routed; it is reported, counted as skipped
and committed past (it stays on the dead-letter topic for its 30 days of retention).

``--dry-run`` reads from the same position and prints what would be replayed, producing and committing
nothing. The local SQLite log of ``make run`` has no transactions across topics and offsets, so this
works on Kafka only (``KAFKA_BOOTSTRAP_SERVERS``).
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from events.topics import dead_letter_topic
from events.transport.kafka import consumed_record
from events.transport.ports import ConsumedRecord, OutgoingRecord

DEAD_LETTER_HEADER_PREFIX = "dead-letter-"
ORIGINAL_TOPIC_HEADER = "dead-letter-topic"


def say(line: str) -> None:
    """A line of output at once, also through a pipe or ``kubectl exec``: a long bulk run shows progress."""
    print(line, flush=True)


class ReplaySettings(BaseSettings):
    """How a replay reads and writes (``DEAD_LETTER_REPLAY_*``); the broker is ``KAFKA_BOOTSTRAP_SERVERS``."""

    model_config = SettingsConfigDict(env_prefix="DEAD_LETTER_REPLAY_", frozen=True, extra="ignore")

    batch_size: int = Field(
        default=100, ge=1, le=10_000, description="Records republished (and committed) in one transaction."
    )
    poll_timeout_seconds: float = Field(default=1.0, gt=0, description="Longest wait for records per poll.")
    timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Longest wait for the broker per call (metadata, offsets, a transaction's commit), and "
        "for the dead-letter topic to yield its next record; keep it below the producer's "
        "transaction.timeout.ms (60 s).",
    )


class ReplayFailed(Exception):
    """The replay stopped; batches reported as replayed are committed, the rest is left for a re-run."""


def replay_group_id(group_id: str) -> str:
    """The consumer group whose committed offsets say how far ``group_id``'s dead letters were replayed."""
    return f"{group_id}.dead-letter-replay"


def replay_transactional_id(group_id: str) -> str:
    """One id per group on purpose: a new replay fences an older one instead of racing it."""
    return f"{group_id}.dead-letter-replay"


def republished(record: ConsumedRecord) -> OutgoingRecord | None:
    """``record`` as it was before it was parked, or None if it does not say where it came from."""
    original = record.headers.get(ORIGINAL_TOPIC_HEADER)
    if not original:
        return None
    headers = {
        name: value
        for name, value in record.headers.items()
        if not name.startswith(DEAD_LETTER_HEADER_PREFIX)
    }
    return OutgoingRecord(original, record.key, record.value, headers)


def describe(record: ConsumedRecord) -> str:
    """Where a dead letter is and what it holds, for one line of output (no payload: it may be personal)."""
    event = " ".join(
        f"{name} {record.headers[name]}" for name in ("event-type", "event-id") if name in record.headers
    )
    reason = " ".join(record.headers.get("dead-letter-reason", "").split())[:120]
    return f"{record.topic}[{record.partition}]@{record.offset} key {record.key} {event}".rstrip() + (
        f" (parked: {reason})" if reason else ""
    )


@dataclass
class ReplayReport:
    """What a run did; ``complete`` when it got to everything parked before it started (not so after
    ``--max``: a later run carries on from where this one committed)."""

    dead_letter_topic: str
    replayed: Counter[str] = field(default_factory=Counter)
    """Records republished, per original topic (in a dry run: that would be)."""
    skipped: int = 0
    complete: bool = False

    def summary(self, *, dry_run: bool) -> str:
        total = sum(self.replayed.values())
        per_topic = ", ".join(f"{topic} {count}" for topic, count in sorted(self.replayed.items()))
        verb = "would replay" if dry_run else "replayed"
        return (
            f"{verb} {total} record(s) from {self.dead_letter_topic}"
            + (f" ({per_topic})" if per_topic else "")
            + f"; {self.skipped} skipped (no {ORIGINAL_TOPIC_HEADER} header); "
            + (
                "reached the end of the topic"
                if self.complete
                else "stopped at --max: run again for the rest"
            )
        )


class KafkaDeadLetterReplay:
    """One replay run of ``group_id``'s dead-letter topic on the cluster at ``bootstrap``."""

    def __init__(
        self,
        bootstrap: str,
        group_id: str,
        settings: ReplaySettings,
        *,
        dry_run: bool = False,
        write: Callable[[str], None] = say,
        extra_config: Mapping[str, Any] | None = None,
    ) -> None:
        self._topic = dead_letter_topic(group_id)
        self._settings = settings
        self._dry_run = dry_run
        self._write = write
        self._consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": replay_group_id(group_id),
                "isolation.level": "read_committed",
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                "auto.offset.reset": "earliest",
                "enable.partition.eof": True,
                **(extra_config or {}),
            }
        )
        self._producer_config: dict[str, Any] = {
            "bootstrap.servers": bootstrap,
            "transactional.id": replay_transactional_id(group_id),
            "enable.idempotence": True,
            "acks": "all",
            # Where the relay puts a key (events.transport.kafka), so a replayed record lands in the
            # partition its key always had.
            "partitioner": "consistent_random",
            **(extra_config or {}),
        }

    def run(self, max_records: int | None = None) -> ReplayReport:
        """Replay up to ``max_records`` (all by default) of what the topic held when the run started."""
        report = ReplayReport(self._topic)
        producer: Producer | None = None
        try:
            producer = None if self._dry_run else self._ready_producer()
            starts, ends = self._assign_from_committed()
            report.complete = self._replay(starts, ends, producer, report, max_records)
        finally:
            self._consumer.close()
            if producer is not None:
                producer.flush(self._settings.timeout_seconds)
        return report

    def _ready_producer(self) -> Producer:
        """Before reading any offset: ``init_transactions`` aborts a crashed run's open transaction, whose
        uncommitted offsets would otherwise keep the committed position unstable."""
        producer = Producer(self._producer_config)
        try:
            producer.init_transactions(self._settings.timeout_seconds)
        except KafkaException as error:
            raise ReplayFailed(f"transactional producer not ready: {error}") from error
        return producer

    def _assign_from_committed(self) -> tuple[dict[int, int], dict[int, int]]:
        """Read every partition of the dead-letter topic from the replay group's committed offsets (the
        start when it has none); the end offset of each, as of now, is where this run stops."""
        timeout = self._settings.timeout_seconds
        try:
            metadata = self._consumer.list_topics(self._topic, timeout=timeout)
            described = metadata.topics.get(self._topic)
            if described is None or described.error is not None or not described.partitions:
                raise ReplayFailed(
                    f"no dead-letter topic {self._topic}: is the group name right? (it is created when "
                    "the group's consumer starts)"
                )
            partitions = [TopicPartition(self._topic, p) for p in sorted(described.partitions)]
            committed = {
                tp.partition: tp.offset for tp in self._consumer.committed(partitions, timeout=timeout)
            }
            starts: dict[int, int] = {}
            ends: dict[int, int] = {}
            for tp in partitions:
                low, high = self._consumer.get_watermark_offsets(tp, timeout=timeout, cached=False)
                starts[tp.partition] = committed[tp.partition] if committed[tp.partition] >= 0 else low
                ends[tp.partition] = high
        except KafkaException as error:
            raise ReplayFailed(f"cannot read the position of {self._topic}: {error}") from error
        self._consumer.assign(
            [TopicPartition(self._topic, p, starts[p]) for p in sorted(starts) if starts[p] < ends[p]]
        )
        return starts, ends

    def _replay(
        self,
        starts: dict[int, int],
        ends: dict[int, int],
        producer: Producer | None,
        report: ReplayReport,
        max_records: int | None,
    ) -> bool:
        """Batches until every partition reached its end offset (True) or ``max_records`` were done."""
        pending = {p for p, end in ends.items() if starts[p] < end}
        done = 0
        last_progress = time.monotonic()
        while pending and (max_records is None or done < max_records):
            wanted = (
                self._settings.batch_size
                if max_records is None
                else min(self._settings.batch_size, max_records - done)
            )
            batch = self._poll(wanted, ends, pending)
            if batch:
                self._apply(batch, producer, report)
                done += len(batch)
                last_progress = time.monotonic()
            elif time.monotonic() - last_progress > self._settings.timeout_seconds:
                raise ReplayFailed(
                    f"{self._topic} yields no records though it has not reached its end offsets"
                )
        return not pending

    def _poll(self, wanted: int, ends: dict[int, int], pending: set[int]) -> list[ConsumedRecord]:
        """Up to ``wanted`` records below the end offsets; partitions that reached their end leave
        ``pending`` (by an end-of-partition event, or a record parked after the run started)."""
        try:
            messages = self._consumer.consume(wanted, self._settings.poll_timeout_seconds)
        except KafkaException as failure:
            raise ReplayFailed(f"reading {self._topic} failed: {failure}") from failure
        batch: list[ConsumedRecord] = []
        for message in messages:
            problem = message.error()
            partition = message.partition()
            if problem is not None:
                if problem.code() == KafkaError._PARTITION_EOF and partition is not None:
                    pending.discard(partition)
                    continue
                raise ReplayFailed(f"reading {self._topic} failed: {problem}")
            record = consumed_record(message)
            if record.offset >= ends[record.partition]:
                pending.discard(record.partition)  # parked after this run started: the next run's
                continue
            if record.partition in pending:
                batch.append(record)
        if pending:
            # Transaction markers take offsets after the last record: the position passes them.
            positions = self._consumer.position([TopicPartition(self._topic, p) for p in pending])
            pending.difference_update(tp.partition for tp in positions if tp.offset >= ends[tp.partition])
        return batch

    def _apply(
        self, batch: Sequence[ConsumedRecord], producer: Producer | None, report: ReplayReport
    ) -> None:
        outgoing = [(record, republished(record)) for record in batch]
        if producer is not None:
            self._commit(producer, batch, [o for _, o in outgoing if o is not None])
        verb = "would replay" if producer is None else "replayed"
        for record, back in outgoing:
            if back is None:
                report.skipped += 1
                self._write(f"SKIPPED {describe(record)}: no {ORIGINAL_TOPIC_HEADER} header")
            else:
                report.replayed[back.topic] += 1
                self._write(f"{verb} {describe(record)} -> {back.topic}")

    def _commit(
        self, producer: Producer, batch: Sequence[ConsumedRecord], outgoing: Sequence[OutgoingRecord]
    ) -> None:
        """Produce ``outgoing`` and commit the replay group past ``batch`` in one transaction."""
        timeout = self._settings.timeout_seconds
        highest: dict[int, int] = {}
        for record in batch:
            highest[record.partition] = max(record.offset, highest.get(record.partition, -1))
        offsets = [TopicPartition(self._topic, p, offset + 1) for p, offset in sorted(highest.items())]
        try:
            producer.begin_transaction()
            for back in outgoing:
                producer.produce(back.topic, value=back.value, key=back.key, headers=dict(back.headers))
            producer.send_offsets_to_transaction(offsets, self._consumer.consumer_group_metadata(), timeout)
            producer.commit_transaction(timeout)
        except (KafkaException, BufferError) as error:
            with contextlib.suppress(KafkaException):
                producer.abort_transaction(timeout)
            first = batch[0]
            raise ReplayFailed(
                f"batch from {self._topic}[{first.partition}]@{first.offset} not replayed (nothing of it "
                f"was published or committed; run again): {error}"
            ) from error
