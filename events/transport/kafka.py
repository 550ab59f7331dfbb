"""The ports over a Kafka cluster, with confluent-kafka (librdkafka).

The publisher is an idempotent, transactional producer: one ``transactional.id`` per outbox, used by
whichever relay holds its lease (two live producers with one id fence each other, which is what
makes a successor abort what a crashed or paused holder left open). Every failed batch ends with the producer
dropped (after a best-effort abort): a producer that saw a delivery error fails its next transaction
too ("skipped sequence numbers", observed on Kafka 4.x), and one that is fenced or timed out cannot
be used at all. The next publish builds a fresh producer, whose ``init_transactions`` also aborts
whatever transaction the old one left open, so dropping is always safe and costs one round trip.

Records are placed with librdkafka's ``consistent_random`` partitioner (CRC-32 of the key), set
explicitly because :mod:`events.transport.local_log` places keys the same way.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]  # untyped re-export

from events.transport.ports import (
    ConsumedRecord,
    ConsumeFailed,
    OutgoingRecord,
    PublishFailed,
    TopicSpec,
    highest_offsets,
)

log = logging.getLogger(__name__)

RETRY_PAUSE_S = 0.1
"""Pause between attempts of a call that failed retriably, so a fast-failing call does not spin."""


def _remaining(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())


def _kafka_error(exception: KafkaException) -> KafkaError:
    error: KafkaError = exception.args[0]
    return error


def _retrying(call: Callable[[float], None], deadline: float) -> None:
    """``call(seconds left)`` again after each retriable failure until it succeeds or time runs out."""
    while True:
        try:
            call(_remaining(deadline))
            return
        except KafkaException as exception:
            if not _kafka_error(exception).retriable() or _remaining(deadline) <= RETRY_PAUSE_S:
                raise
        time.sleep(RETRY_PAUSE_S)


class KafkaPublisher:
    """Publishes each batch in one Kafka transaction; every call returns or fails within ``timeout_s``.

    Not thread-safe: one publisher per relay thread, as one ``transactional.id`` per outbox.
    Keep ``timeout_s`` below the producer's ``transaction.timeout.ms`` (60 s by default): librdkafka
    cannot recover from a transaction the broker timed out.
    """

    def __init__(
        self,
        bootstrap: str,
        transactional_id: str,
        *,
        timeout_s: float = 30.0,
        extra_config: Mapping[str, Any] | None = None,
    ) -> None:
        self._config: dict[str, Any] = {
            "bootstrap.servers": bootstrap,
            "transactional.id": transactional_id,
            "enable.idempotence": True,
            "acks": "all",
            "partitioner": "consistent_random",
            # Delivery reports (a Python call each) only for records that failed: their reasons go
            # into the error; commit_transaction itself fails when any record was not delivered.
            "delivery.report.only.error": True,
            "on_delivery": self._on_failed_delivery,
            **(extra_config or {}),
        }
        self._timeout_s = timeout_s
        self._producer: Producer | None = None
        self._failures: list[KafkaError] = []

    def publish(self, records: Sequence[OutgoingRecord]) -> None:
        if not records:
            return
        deadline = time.monotonic() + self._timeout_s
        producer = self._ready_producer(deadline)
        committed = False
        self._failures.clear()
        try:
            producer.begin_transaction()
            _produce_all(producer, records)
            _retrying(producer.commit_transaction, deadline)
            committed = True
        except (KafkaException, BufferError) as error:
            reason = (
                f"{len(self._failures)} rejected, first: {self._failures[0]}" if self._failures else error
            )
            raise PublishFailed(f"batch of {len(records)} records not published: {reason}") from error
        finally:
            if not committed:
                self._abort_and_drop(producer, deadline)

    def _on_failed_delivery(self, error: KafkaError | None, _message: Message) -> None:
        if error is not None:
            self._failures.append(error)

    def close(self) -> None:
        """Close the producer; between publishes it holds no transaction and no undelivered record."""
        if self._producer is not None:
            self._producer.close()
            self._producer = None

    def _ready_producer(self, deadline: float) -> Producer:
        if self._producer is None:
            producer = Producer(self._config)
            try:
                _retrying(producer.init_transactions, deadline)
            except KafkaException as error:
                raise PublishFailed(f"transactional producer not ready: {error}") from error
            self._producer = producer
        return self._producer

    def _abort_and_drop(self, producer: Producer, deadline: float) -> None:
        """Abort if time allows, so read-committed consumers are not held back by an open transaction
        until the next producer's ``init_transactions``; drop the producer either way."""
        self._producer = None
        with contextlib.suppress(KafkaException):
            # Aborting right after produce() can fail fatally (librdkafka issue 4849): deliver first.
            producer.flush(_remaining(deadline))
            producer.abort_transaction(_remaining(deadline))


def _produce_all(producer: Producer, records: Sequence[OutgoingRecord]) -> None:
    """Produce ``records`` into the open transaction; ``commit_transaction`` waits for their delivery."""
    for record in records:
        producer.produce(
            record.topic,
            value=record.value,
            key=record.key,
            headers=dict(record.headers),  # str values: librdkafka's binding encodes them as UTF-8
        )


class KafkaLogConsumer:
    """One member of a consumer group reading committed records only, committing by hand.

    ``lag`` covers the partitions assigned to this member: none before its first ``poll`` joins the
    group.
    """

    def __init__(
        self,
        bootstrap: str,
        group_id: str,
        topics: Sequence[str],
        *,
        timeout_s: float = 10.0,
        extra_config: Mapping[str, Any] | None = None,
    ) -> None:
        self._consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": group_id,
                "isolation.level": "read_committed",
                "enable.auto.commit": False,
                "auto.offset.reset": "earliest",
                **(extra_config or {}),
            }
        )
        self._group_id = group_id
        self._consumer.subscribe(
            list(topics), on_assign=self._assigned, on_revoke=self._revoked, on_lost=self._lost
        )
        self._timeout_s = timeout_s
        self._last_returned: dict[tuple[str, int], int] = {}
        self._pending_error: ConsumeFailed | None = None

    def poll(self, max_records: int, timeout_s: float) -> list[ConsumedRecord]:
        """Waits only for the first record, then takes what is already fetched: ``consume`` alone
        would wait out ``timeout_s`` whenever fewer than ``max_records`` are available.

        A log error among records is raised on the next call, so the records before it are not lost.
        """
        self._raise_pending_error()
        first = self._consumer.poll(timeout_s)
        if first is None:
            return []
        messages = [first, *(self._consumer.consume(max_records - 1, 0) if max_records > 1 else [])]
        records: list[ConsumedRecord] = []
        for message in messages:
            error = message.error()
            if error is None:
                records.append(self._record(message))
            elif error.code() != KafkaError._PARTITION_EOF and self._pending_error is None:
                self._pending_error = ConsumeFailed(f"{message.topic()} [{message.partition()}]: {error}")
        if not records:
            self._raise_pending_error()
        return records

    def commit(self, records: Sequence[ConsumedRecord]) -> None:
        if not records:
            return
        offsets = [
            TopicPartition(topic, partition, offset + 1)
            for (topic, partition), offset in highest_offsets(records).items()
        ]
        try:
            results = self._consumer.commit(offsets=offsets, asynchronous=False)
        except KafkaException as error:
            raise ConsumeFailed(f"commit failed: {error}") from error
        failed = [f"{tp.topic} [{tp.partition}]: {tp.error}" for tp in results if tp.error is not None]
        if failed:
            raise ConsumeFailed(f"commit failed for {', '.join(failed)}")

    def lag(self) -> dict[tuple[str, int], int]:
        """High watermark (the last stable offset, as the consumer reads committed records) minus the
        committed offset, or minus the low watermark when the group has committed nothing.

        Transaction markers take offsets too, so where this consumer has committed every record it
        returned, counting starts at its position instead, which polling has moved past the markers
        (and aborted records) that follow: otherwise a drained partition would show one per transaction.
        """
        assigned = self._consumer.assignment()
        if not assigned:
            return {}
        try:
            committed = self._consumer.committed(assigned, timeout=self._timeout_s)
            positions = {(tp.topic, tp.partition): tp.offset for tp in self._consumer.position(assigned)}
            lags: dict[tuple[str, int], int] = {}
            for tp in committed:
                partition = (tp.topic, tp.partition)
                low, high = self._consumer.get_watermark_offsets(
                    TopicPartition(tp.topic, tp.partition), timeout=self._timeout_s, cached=False
                )
                start = tp.offset if tp.offset >= 0 else low
                if self._last_returned.get(partition, -1) < start:
                    start = max(start, positions[partition])
                lags[partition] = high - start
        except KafkaException as error:
            raise ConsumeFailed(f"lag not measured: {error}") from error
        return lags

    def close(self) -> None:
        self._consumer.close()

    # Rebalances are logged because a member without partitions is silent otherwise: it polls nothing,
    # reports no lag and logs no error, which looks exactly like a group with nothing to do.
    def _assigned(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        log.info("%s: assigned %s", self._group_id, _described(partitions))

    def _revoked(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        log.info("%s: revoked %s", self._group_id, _described(partitions))

    def _lost(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        log.warning(
            "%s: lost %s (the group went on without this member)", self._group_id, _described(partitions)
        )

    def _raise_pending_error(self) -> None:
        error, self._pending_error = self._pending_error, None
        if error is not None:
            raise error

    def _record(self, message: Message) -> ConsumedRecord:
        record = consumed_record(message)
        self._last_returned[(record.topic, record.partition)] = record.offset
        return record


def _described(partitions: Sequence[TopicPartition]) -> str:
    if not partitions:
        return "no partitions"
    return ", ".join(
        f"{tp.topic} [{tp.partition}]" for tp in sorted(partitions, key=lambda tp: (tp.topic, tp.partition))
    )


def consumed_record(message: Message) -> ConsumedRecord:
    """A consumed message as the ports describe it (key and headers decoded as UTF-8)."""
    topic, partition, offset = message.topic(), message.partition(), message.offset()
    # Only error events lack these; records always have them.
    assert topic is not None
    assert partition is not None
    assert offset is not None
    key = message.key()
    return ConsumedRecord(
        topic=topic,
        partition=partition,
        offset=offset,
        key=None if key is None else key.decode(),
        value=message.value() or b"",
        headers={name: (value or b"").decode() for name, value in _header_pairs(message)},
    )


def _header_pairs(message: Message) -> list[tuple[str, bytes | None]]:
    """A consumed message's headers: librdkafka always hands them over as (name, bytes) pairs, though
    the stubs also allow the dict and str forms a producer accepts."""
    return cast(list[tuple[str, bytes | None]], message.headers() or [])


class KafkaTopicAdmin:
    """Creates missing topics; the replication factor is the broker's ``default.replication.factor``."""

    def __init__(self, bootstrap: str, *, timeout_s: float = 30.0) -> None:
        self._admin = AdminClient({"bootstrap.servers": bootstrap})
        self._timeout_s = timeout_s

    def ensure_topics(self, specs: Sequence[TopicSpec]) -> None:
        """Raises ``KafkaException`` for any failure but an existing topic: start-up cannot go on."""
        if not specs:
            return
        new_topics = [
            NewTopic(
                spec.name, num_partitions=spec.partitions, config={"retention.ms": str(spec.retention_ms)}
            )
            for spec in specs
        ]
        futures = self._admin.create_topics(new_topics, operation_timeout=self._timeout_s)
        for future in futures.values():
            try:
                future.result(timeout=self._timeout_s)
            except KafkaException as error:
                if _kafka_error(error).code() != KafkaError.TOPIC_ALREADY_EXISTS:
                    raise


class KafkaTransport:
    """Opens the three ports on one cluster."""

    def __init__(self, bootstrap: str) -> None:
        self._bootstrap = bootstrap

    def publisher(self, transactional_id: str) -> KafkaPublisher:
        return KafkaPublisher(self._bootstrap, transactional_id)

    def consumer(self, group_id: str, topics: Sequence[str]) -> KafkaLogConsumer:
        return KafkaLogConsumer(self._bootstrap, group_id, topics)

    def admin(self) -> KafkaTopicAdmin:
        return KafkaTopicAdmin(self._bootstrap)
