"""What the relay and the consumers need from a log, whichever log it is.

Two adapters implement these ports: :mod:`events.transport.kafka` (confluent-kafka against a real
broker, what CI and production use) and :mod:`events.transport.local_log` (an SQLite file, the
embedded default of ``make run`` when ``KAFKA_BOOTSTRAP_SERVERS`` is unset). The relay and the
consumers are written once against these protocols, so the code CI exercises against the broker is
the code that runs on a laptop without one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class TopicSpec:
    """A topic as it must exist: created explicitly, never by auto-creation."""

    name: str
    partitions: int
    retention_ms: int


@dataclass(frozen=True)
class OutgoingRecord:
    """One record to publish. ``key`` picks the partition (the checkout id keeps a checkout ordered)."""

    topic: str
    key: str | None
    value: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ConsumedRecord:
    """One record read from a partition, with the position a consumer commits after processing it."""

    topic: str
    partition: int
    offset: int
    key: str | None
    value: bytes
    headers: Mapping[str, str]


class PublishFailed(Exception):
    """The batch was not published (nothing of it is visible to read-committed consumers); retry it.

    One exception: a Kafka commit that timed out may still complete on the broker, so the retry can
    publish the batch twice; consumers drop the copies by event id."""


class ConsumeFailed(Exception):
    """Reading, committing or measuring lag failed; retry. Uncommitted records are delivered again
    to the group's next consumer, so the caller's de-duplication absorbs any repeat."""


def highest_offsets(records: Sequence[ConsumedRecord]) -> dict[tuple[str, int], int]:
    """The highest offset of ``records`` per (topic, partition): what a commit of them moves past."""
    highest: dict[tuple[str, int], int] = {}
    for record in records:
        partition = (record.topic, record.partition)
        highest[partition] = max(record.offset, highest.get(partition, record.offset))
    return highest


class TransactionalPublisher(Protocol):
    """Publishes batches atomically: a read-committed consumer sees all records of a batch or none."""

    def publish(self, records: Sequence[OutgoingRecord]) -> None:
        """Publish ``records`` in one transaction; raise :class:`PublishFailed` if it did not commit."""
        ...

    def close(self) -> None: ...


class LogConsumer(Protocol):
    """Reads committed records of a consumer group's topics; offsets move only when committed."""

    def poll(self, max_records: int, timeout_s: float) -> list[ConsumedRecord]:
        """Up to ``max_records`` records after the last ones returned (or after the committed offsets
        when the consumer starts); an empty list when none arrive within ``timeout_s``.

        Raises :class:`ConsumeFailed` when the log reports an error; ``commit`` and ``lag`` do too."""
        ...

    def commit(self, records: Sequence[ConsumedRecord]) -> None:
        """Commit the position after each record's offset in its partition (synchronously)."""
        ...

    def lag(self) -> dict[tuple[str, int], int]:
        """Records not yet committed by this group, per (topic, partition) it is assigned."""
        ...

    def close(self) -> None: ...


class TopicAdmin(Protocol):
    """Creates topics with their partition counts and retention; existing topics are left alone."""

    def ensure_topics(self, specs: Sequence[TopicSpec]) -> None: ...
