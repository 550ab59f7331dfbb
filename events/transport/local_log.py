"""The ports over one SQLite file: the log of ``make run`` when no Kafka broker is configured.

Several processes on one machine share the file (WAL, a busy timeout): the relays publish, consumers
of different groups read. A batch is appended in one ``BEGIN IMMEDIATE`` transaction, so readers see
all of it or none, as read-committed Kafka consumers do; that write lock also orders concurrent
publishers, so offsets stay consecutive per partition. Kafka's rules are mirrored where code relies
on them: topics must be ensured before publishing (``auto.create.topics.enable=false``), a new group
starts at the earliest record, offsets move only on commit.

Partitioner: CRC-32 of the UTF-8 key modulo the topic's partitions, which is where librdkafka's
``consistent_random`` partitioner (the Kafka adapter's) puts a key, so a key lands in the same
partition on either log. Keyless records go to partition 0: a group's single consumer reads every
partition anyway, and one partition keeps them in publish order.

Limits, fine for a development log on one machine:

- One consumer per group at a time. There is no group coordinator: each consumer reads every
  partition of its topics from the group's committed offsets, so two consumers of one group would
  both process every record.
- ``retention_ms`` is recorded but not enforced: the file grows until it is deleted.
- Consumers find new records by querying every ``POLL_INTERVAL_S``, not by notification.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from events.transport.ports import (
    ConsumedRecord,
    ConsumeFailed,
    OutgoingRecord,
    PublishFailed,
    TopicSpec,
    highest_offsets,
)

BUSY_TIMEOUT_S = 30.0
"""How long a write waits for another process's write lock before giving up (publishes are short)."""

POLL_INTERVAL_S = 0.05
"""How often a waiting consumer looks for new records: the local log's delivery latency."""

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS topics (
        name TEXT PRIMARY KEY,
        partitions INTEGER NOT NULL,
        retention_ms INTEGER NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS records (
        topic TEXT NOT NULL,
        "partition" INTEGER NOT NULL,
        "offset" INTEGER NOT NULL,
        key TEXT,
        value BLOB NOT NULL,
        headers TEXT NOT NULL,
        PRIMARY KEY (topic, "partition", "offset")
    ) WITHOUT ROWID""",
    """CREATE TABLE IF NOT EXISTS offsets (
        group_id TEXT NOT NULL,
        topic TEXT NOT NULL,
        "partition" INTEGER NOT NULL,
        next_offset INTEGER NOT NULL,
        PRIMARY KEY (group_id, topic, "partition")
    )""",
)


def partition_for(key: str | None, partitions: int) -> int:
    """The partition of ``key`` among ``partitions``; see the module docstring for why CRC-32."""
    return 0 if key is None else zlib.crc32(key.encode()) % partitions


class _LogFile:
    """One connection to the log file. A lock serialises its use, so one adapter object may be shared
    by threads; separate objects (or processes) are serialised by SQLite's own locking."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._connection = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        self._lock = threading.Lock()
        self._connection.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL loses nothing when a process dies, only on power loss: enough for a dev log.
        self._connection.execute("PRAGMA synchronous=NORMAL")
        with self.transaction(immediate=True) as db:
            for statement in _SCHEMA:
                db.execute(statement)

    @contextmanager
    def transaction(self, *, immediate: bool = False) -> Iterator[sqlite3.Connection]:
        """A transaction, committed when the block ends and rolled back if it raises. ``immediate``
        takes the write lock up front, so a read-then-write cannot be overtaken by another writer."""
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
            try:
                yield self._connection
                self._connection.execute("COMMIT")
            except BaseException:
                if self._connection.in_transaction:
                    self._connection.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            self._connection.close()


def _partition_counts(db: sqlite3.Connection) -> dict[str, int]:
    return {name: partitions for name, partitions in db.execute("SELECT name, partitions FROM topics")}


def _end_offset(db: sqlite3.Connection, topic: str, partition: int) -> int:
    """The offset the next record of the partition gets (Kafka's high watermark)."""
    row = db.execute(
        'SELECT COALESCE(MAX("offset") + 1, 0) FROM records WHERE topic = ? AND "partition" = ?',
        (topic, partition),
    ).fetchone()
    end: int = row[0]
    return end


class LocalLogPublisher:
    """Appends each batch atomically. It needs no transactional id: the file's write lock serialises
    publishers, and the relay's outbox lease already keeps a second relay from publishing."""

    def __init__(self, path: Path) -> None:
        self._log = _LogFile(path)

    def publish(self, records: Sequence[OutgoingRecord]) -> None:
        if not records:
            return
        try:
            with self._log.transaction(immediate=True) as db:
                db.executemany(
                    'INSERT INTO records (topic, "partition", "offset", key, value, headers) '
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    _placed(db, records),
                )
        except sqlite3.Error as error:
            raise PublishFailed(f"local log {self._log.path}: {error}") from error

    def close(self) -> None:
        self._log.close()


def _placed(
    db: sqlite3.Connection, records: Sequence[OutgoingRecord]
) -> list[tuple[str, int, int, str | None, bytes, str]]:
    """The rows of ``records``, each with its partition and the next offset there."""
    partitions = _partition_counts(db)
    unknown = sorted({record.topic for record in records} - partitions.keys())
    if unknown:
        raise PublishFailed(f"unknown topics {unknown}: topics are created by ensure_topics, not on use")
    next_offsets: dict[tuple[str, int], int] = {}
    rows = []
    for record in records:
        topic, partition = record.topic, partition_for(record.key, partitions[record.topic])
        offset = next_offsets.get((topic, partition))
        if offset is None:
            offset = _end_offset(db, topic, partition)
        next_offsets[(topic, partition)] = offset + 1
        rows.append((topic, partition, offset, record.key, record.value, json.dumps(dict(record.headers))))
    return rows


class LocalLogConsumer:
    """The single member of ``group_id`` (see the module docstring): reads every partition of
    ``topics``, including topics ensured after it started, from the group's committed offsets."""

    def __init__(self, path: Path, group_id: str, topics: Sequence[str]) -> None:
        self._log = _LogFile(path)
        self._group_id = group_id
        self._topics = tuple(topics)
        self._positions: dict[tuple[str, int], int] = {}

    def poll(self, max_records: int, timeout_s: float) -> list[ConsumedRecord]:
        deadline = time.monotonic() + timeout_s
        while True:
            records = self._read(max_records)
            left = deadline - time.monotonic()
            if records or left <= 0:
                return records
            time.sleep(min(POLL_INTERVAL_S, left))

    def commit(self, records: Sequence[ConsumedRecord]) -> None:
        if not records:
            return
        rows = [
            (self._group_id, topic, partition, offset + 1)
            for (topic, partition), offset in highest_offsets(records).items()
        ]
        try:
            with self._log.transaction(immediate=True) as db:
                db.executemany(
                    'INSERT INTO offsets (group_id, topic, "partition", next_offset) VALUES (?, ?, ?, ?) '
                    'ON CONFLICT (group_id, topic, "partition") DO UPDATE SET next_offset = excluded.next_offset',
                    rows,
                )
        except sqlite3.Error as error:
            raise ConsumeFailed(f"local log {self._log.path}: commit failed: {error}") from error

    def lag(self) -> dict[tuple[str, int], int]:
        """End offset minus the committed offset (0, the first offset, when nothing is committed)."""
        try:
            with self._log.transaction() as db:
                self._assign(db)
                committed = self._committed(db)
                return {
                    (topic, partition): _end_offset(db, topic, partition)
                    - committed.get((topic, partition), 0)
                    for topic, partition in self._positions
                }
        except sqlite3.Error as error:
            raise ConsumeFailed(f"local log {self._log.path}: lag not measured: {error}") from error

    def close(self) -> None:
        self._log.close()

    def _read(self, max_records: int) -> list[ConsumedRecord]:
        """Up to ``max_records`` records after the current positions, partition by partition."""
        records: list[ConsumedRecord] = []
        try:
            with self._log.transaction() as db:
                self._assign(db)
                for (topic, partition), position in self._positions.items():
                    rows = db.execute(
                        'SELECT "offset", key, value, headers FROM records '
                        'WHERE topic = ? AND "partition" = ? AND "offset" >= ? ORDER BY "offset" LIMIT ?',
                        (topic, partition, position, max_records - len(records)),
                    )
                    records += [
                        ConsumedRecord(topic, partition, offset, key, value, json.loads(headers))
                        for offset, key, value, headers in rows
                    ]
                    if len(records) >= max_records:
                        break
        except sqlite3.Error as error:
            raise ConsumeFailed(f"local log {self._log.path}: poll failed: {error}") from error
        for record in records:
            self._positions[(record.topic, record.partition)] = record.offset + 1
        return records

    def _assign(self, db: sqlite3.Connection) -> None:
        """Take on the partitions of our topics not yet read, starting at the committed offsets."""
        partitions = _partition_counts(db)
        new = [
            (topic, partition)
            for topic in self._topics
            for partition in range(partitions.get(topic, 0))
            if (topic, partition) not in self._positions
        ]
        if new:
            committed = self._committed(db)
            self._positions.update({position: committed.get(position, 0) for position in new})

    def _committed(self, db: sqlite3.Connection) -> dict[tuple[str, int], int]:
        rows = db.execute(
            'SELECT topic, "partition", next_offset FROM offsets WHERE group_id = ?', (self._group_id,)
        )
        return {(topic, partition): next_offset for topic, partition, next_offset in rows}


class LocalLogTopicAdmin:
    """Records topics with their partitions and retention; existing topics are left alone.

    The file is opened per call: topics are ensured once at start-up, and the port has no ``close``.
    """

    def __init__(self, path: Path) -> None:
        self._path = path

    def ensure_topics(self, specs: Sequence[TopicSpec]) -> None:
        log = _LogFile(self._path)
        try:
            with log.transaction(immediate=True) as db:
                db.executemany(
                    "INSERT OR IGNORE INTO topics (name, partitions, retention_ms) VALUES (?, ?, ?)",
                    [(spec.name, spec.partitions, spec.retention_ms) for spec in specs],
                )
        finally:
            log.close()


class LocalLogTransport:
    """Opens the three ports on one log file."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def publisher(self, transactional_id: str) -> LocalLogPublisher:
        """``transactional_id`` is accepted for the port's sake and unused (see LocalLogPublisher)."""
        return LocalLogPublisher(self._path)

    def consumer(self, group_id: str, topics: Sequence[str]) -> LocalLogConsumer:
        return LocalLogConsumer(self._path, group_id, topics)

    def admin(self) -> LocalLogTopicAdmin:
        return LocalLogTopicAdmin(self._path)
