"""A consumer group's real ``ConsumerRunner`` fed one pact message at a time.

A pact's consumer test is only as good as the code it runs on the example: here that is the code
production runs (``parse_envelope``, the registry's contract, the inbox, the group's handler), with
an in-memory log in place of Kafka and an SQLite file as the group's database. A message the runner
dead-letters or fails on raises, which pact reports as that interaction's failure.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from events.consumer.dead_letters import DeadLetterQueue
from events.consumer.inbox import create_inbox
from events.consumer.runner import ConsumerRunner, Handler
from events.consumer.settings import ConsumerSettings
from events.transport.ports import ConsumedRecord, OutgoingRecord
from services.common.database import Database

_STOPPED = threading.Event()
_STOPPED.set()  # a failing record is tried once: the runner gives up at once instead of retrying


class _HandedLog:
    """A ``LogConsumer`` that delivers the records handed to it and remembers the commits."""

    def __init__(self) -> None:
        self.pending: list[ConsumedRecord] = []
        self.committed: list[ConsumedRecord] = []

    def poll(self, max_records: int, timeout_s: float) -> list[ConsumedRecord]:
        batch, self.pending = self.pending[:max_records], self.pending[max_records:]
        return batch

    def commit(self, records: Sequence[ConsumedRecord]) -> None:
        self.committed.extend(records)

    def lag(self) -> dict[tuple[str, int], int]:
        return {}

    def close(self) -> None:
        pass


class _KeptRecords:
    """A ``TransactionalPublisher`` for dead letters that keeps them for the test to read."""

    def __init__(self) -> None:
        self.records: list[OutgoingRecord] = []

    def publish(self, records: Sequence[OutgoingRecord]) -> None:
        self.records.extend(records)

    def close(self) -> None:
        pass


class _Warnings(logging.Handler):
    """The runner's log lines while one record is processed: a technical failure is only logged."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


class ConsumerHarness:
    """Runs group ``group_id`` with ``handlers`` on each message handed to :meth:`deliver`."""

    def __init__(
        self, group_id: str, topic: str, handlers: Mapping[str, Handler], database: Database
    ) -> None:
        self._topic = topic
        self._delivered = 0
        self._log = _HandedLog()
        self._dead_letters = _KeptRecords()
        self._runner = ConsumerRunner(
            group_id,
            self._log,
            database,
            handlers,
            DeadLetterQueue(group_id, self._dead_letters),
            ConsumerSettings(instance_id=f"{group_id}-contract-test"),
        )

    def deliver(self, body: str | bytes | None, metadata: Mapping[str, object]) -> None:
        """Process one pact message as a record of the topic: body as value, metadata as headers.

        Raises ``AssertionError`` when the runner dead-letters the record (with the reason the
        dead-letter headers carry) or leaves it uncommitted (a handler's technical failure).
        """
        assert body is not None, "the message has no contents"
        # ``str()`` first: pact hands over an FFI-backed OwnedString that must not outlive the call.
        value = body if isinstance(body, bytes) else str(body).encode()
        headers = {str(name): str(header) for name, header in metadata.items()}
        record = ConsumedRecord(self._topic, 0, self._delivered, None, value, headers)
        self._delivered += 1
        parked = len(self._dead_letters.records)
        self._log.pending.append(record)
        with _runner_warnings() as warnings:
            self._runner.consume_once(_STOPPED)
        if len(self._dead_letters.records) > parked:
            reason = self._dead_letters.records[-1].headers["dead-letter-reason"]
            raise AssertionError(f"the consumer dead-lettered the message: {reason}")
        assert record in self._log.committed, f"the consumer failed on the message: {'; '.join(warnings)}"


@contextmanager
def _runner_warnings() -> Iterator[list[str]]:
    handler = _Warnings()
    logger = logging.getLogger("events.consumer.runner")
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)


@contextmanager
def group_database(directory: Path) -> Iterator[Database]:
    """The group's own database (an SQLite file with the inbox table), disposed afterwards."""
    database = Database.connect(f"sqlite:///{directory / 'consumer.db'}")
    create_inbox(database.engine)
    try:
        yield database
    finally:
        database.dispose()
