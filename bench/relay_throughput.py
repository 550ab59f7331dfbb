"""Relay throughput: events/s drained from a service's outbox to Kafka, next to raw confluent-kafka produce.

Run: ``.venv/bin/python bench/relay_throughput.py [--events 50000] [--batch-sizes 200,1000]``
``[--rounds 3] [--bootstrap HOST:PORT] [--database-url URL]``

Needs a broker: ``make servers`` starts the project's on 127.0.0.1:59092, the default unless
``KAFKA_BOOTSTRAP_SERVERS`` or ``--bootstrap`` names another. A scratch inventory database (a
temporary SQLite file by default; with a PostgreSQL ``--database-url``, a scratch schema there) is
migrated and its outbox filled through ``UnitOfWork`` with the inventory's own StockAllocated and
StockReleased events of many checkouts (one key each). Everything is published to a topic created for
this run (6 partitions, with the transport's admin) and deleted at the end.

In one run, on the same broker, with the same records (read by the relay's own ``pending_events``, so
values, keys and headers are byte-identical):

- baseline, plain: a non-transactional idempotent producer (acks=all) produces every record, then
  flushes once: the broker's and librdkafka's ceiling for these records;
- per batch size, baseline, transactional: a raw confluent-kafka producer with the relay's settings
  (idempotent, transactional, acks=all), one transaction per batch (begin, produce, commit);
- per batch size, the relay: ``OutboxRelay.drain()`` until the outbox is empty (lease, read a batch,
  publish it in one transaction, delete it; while one batch commits, the one before it is deleted and
  the one after it read), after putting the filled outbox back (copied aside once filled)
  (and, on PostgreSQL, a ``VACUUM ANALYZE`` of the outbox); the share of that time spent inside the
  publisher is shown;
- the same relay over the local log adapter (an SQLite file, no broker), for context.

Every figure comes with the CPU time this process spent per record (all threads, librdkafka's
included): on a 2-core machine shared with the broker it tracks the relay's cost far more steadily than
its rate does. Each Kafka figure is the best of ``--rounds`` (3) measurements, the transactional baseline and the
relay alternating, with every round shown: on a small shared machine a burst of other work (a test
run, a broker JVM not warmed up yet) easily halves one measurement. Producer start-up (metadata,
``init_transactions``) is left out of every figure: each producer publishes one warm-up record first.
Target: the relay at >= 0.5 x the raw transactional rate at the same batch size.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from confluent_kafka import KafkaError, Message, Producer, libversion
from confluent_kafka.admin import AdminClient
from sqlalchemy import create_engine, delete, text
from support import machine  # bench/ is on sys.path when run as a script

from events.relay.pending import pending_events
from events.relay.relay import OutboxRelay
from events.relay.settings import RelaySettings
from events.topics import PARTITIONS, RETENTION_MS
from events.transport.kafka import KafkaTransport
from events.transport.local_log import LocalLogTransport
from events.transport.ports import OutgoingRecord, TopicSpec, TransactionalPublisher
from services.common.database import Database, normalise_url
from services.common.migrations import upgrade_to_head
from services.common.outbox import OutboxReader
from services.common.tables import outbox
from services.common.uow import UnitOfWork
from services.inventory.domain.events import StockAllocated, StockReleased
from services.inventory.domain.model import AllocationLine

SERVICE = "inventory"
FILL_CHUNK = 1000
"""Outbox rows written per unit of work while filling."""
FILLED = "outbox_filled"
"""The filled outbox, copied aside in the scratch database."""

Produced = tuple[str | None, bytes, list[tuple[str, str | bytes | None]]]
"""A record as confluent-kafka's ``produce`` takes it: key, value, headers."""


@dataclass(frozen=True)
class Rate:
    records: int
    seconds: float
    bytes: int
    unit: str = "records"
    rounds: tuple[float, ...] = ()
    cpu_seconds: float | None = None
    """This process's CPU time (all its threads, librdkafka's included) over the measurement."""

    @property
    def per_second(self) -> float:
        return self.records / self.seconds

    def __str__(self) -> str:
        shown = f"{self.per_second:,.0f} {self.unit}/s, {self.bytes / self.seconds / 1e6:.1f} MB/s"
        if self.cpu_seconds is not None:
            shown += f", {self.cpu_seconds / self.records * 1e6:.1f} us CPU per record in this process"
        if len(self.rounds) > 1:
            shown += f" (best of {', '.join(f'{rate:,.0f}' for rate in self.rounds)})"
        return shown


def best(rates: Sequence[Rate]) -> Rate:
    """The fastest of several rounds, remembering all of them."""
    fastest = max(rates, key=lambda rate: rate.per_second)
    return replace(fastest, rounds=tuple(rate.per_second for rate in rates))


def record_bytes(record: OutgoingRecord) -> int:
    """What goes on the wire for a record, framing aside: key, value, header names and values."""
    headers = sum(len(name) + len(value) for name, value in record.headers.items())
    return len(record.key or "") + len(record.value) + headers


# --- the scratch database and its outbox -------------------------------------------------------------


@contextmanager
def scratch_database(url: str | None, directory: Path) -> Iterator[tuple[Database, str]]:
    """A migrated inventory database and how to describe it: a temporary SQLite file, or a scratch
    schema in the PostgreSQL database of ``url`` (dropped afterwards)."""
    if url is None:
        database = Database.connect(f"sqlite:///{directory / 'inventory.db'}")
        described = "SQLite (temporary file)"
        admin, schema = None, None
    else:
        parsed = normalise_url(url)
        if parsed.get_backend_name() != "postgresql":
            raise SystemExit(f"--database-url: SQLite is the default; give a PostgreSQL URL, not {url!r}")
        schema = f"relay_bench_{uuid.uuid4().hex[:12]}"
        admin = create_engine(parsed, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        database = Database.connect(parsed.update_query_dict({"options": f"-csearch_path={schema}"}))
        described = f"PostgreSQL {parsed.host}:{parsed.port}/{parsed.database}, scratch schema {schema}"
    try:
        upgrade_to_head(database.engine, f"services.{SERVICE}")
        yield database, described
    finally:
        database.dispose()
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            admin.dispose()


def domain_events(count: int, seed: int = 7) -> Iterator[StockAllocated | StockReleased]:
    """Inventory events as checkouts cause them: an allocation of one to three lines per checkout,
    released again for one checkout in five, each checkout with its own id (so its own key)."""
    rng = random.Random(seed)
    made = 0
    while made < count:
        checkout_id = f"chk-{uuid.UUID(int=rng.getrandbits(128), version=4)}"
        lines = tuple(
            AllocationLine(
                f"SKU-{rng.randrange(10_000):05d}", rng.randint(1, 5), f"WH-EU-{rng.randint(1, 4)}"
            )
            for _ in range(rng.randint(1, 3))
        )
        yield StockAllocated(checkout_id, lines)
        made += 1
        if made < count and rng.random() < 0.2:
            yield StockReleased(checkout_id, lines)
            made += 1


def fill_outbox(database: Database, count: int) -> int:
    """Write ``count`` events through the unit of work; the number of distinct checkouts."""
    checkouts: set[str] = set()
    events = domain_events(count)
    written = 0
    while written < count:
        with UnitOfWork(database) as uow:
            for event in (next(events) for _ in range(min(FILL_CHUNK, count - written))):
                uow.outbox.add(event)
                checkouts.add(event.checkout_id)
            uow.commit()
        written += min(FILL_CHUNK, count - written)
    return len(checkouts)


def outbox_records(database: Database, topic: str, count: int) -> list[OutgoingRecord]:
    """The records the relay will publish, in its order, read by its own ``pending_events``."""
    with database.read_sessions.begin() as session:
        return pending_events(session, SERVICE, topic, count).records


def keep_filled_outbox(database: Database) -> None:
    """Copy the filled outbox aside: the relay deletes what it publishes, and every relay measured must
    find the same events waiting."""
    with database.write_sessions.begin() as session:
        session.execute(text(f"CREATE TABLE {FILLED} AS SELECT * FROM outbox"))


def refill_outbox(database: Database, count: int) -> None:
    """Put the filled outbox back, so the next relay finds the same ``count`` events waiting. On
    PostgreSQL, also vacuum and analyse the table, as autovacuum would: without it the dead rows the
    previous drain left behind would slow the next drain, an artefact of the run."""
    if backlog(database) < count:
        with database.write_sessions.begin() as session:
            session.execute(delete(outbox))
            session.execute(text(f"INSERT INTO outbox SELECT * FROM {FILLED}"))
    if database.backend == "postgresql":
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE outbox"))


# --- raw confluent-kafka baselines --------------------------------------------------------------------


def produce_arguments(records: Sequence[OutgoingRecord]) -> list[Produced]:
    """The ``produce`` arguments of ``records``, prepared before the clock starts."""
    return [
        (record.key, record.value, [(name, value.encode()) for name, value in record.headers.items()])
        for record in records
    ]


def producer_config(bootstrap: str, transactional_id: str | None) -> dict[str, Any]:
    """The relay publisher's settings (``KafkaPublisher``), with or without a transactional id."""
    config: dict[str, Any] = {
        "bootstrap.servers": bootstrap,
        "enable.idempotence": True,
        "acks": "all",
        "partitioner": "consistent_random",
    }
    if transactional_id is not None:
        config["transactional.id"] = transactional_id
    return config


def measure_plain(bootstrap: str, topic: str, records: Sequence[Produced], size: int) -> Rate:
    """A non-transactional idempotent producer: produce everything, flush once."""
    producer = Producer(producer_config(bootstrap, None))
    failures: list[KafkaError] = []

    def on_delivery(error: KafkaError | None, _message: Message) -> None:
        if error is not None:
            failures.append(error)

    key, value, headers = records[0]
    producer.produce(topic, value=value, key=key, headers=headers)  # warm-up
    producer.flush(30)
    began, cpu = time.perf_counter(), time.process_time()
    for key, value, headers in records:
        while True:
            try:
                producer.produce(topic, value=value, key=key, headers=headers, on_delivery=on_delivery)
                break
            except BufferError:
                producer.poll(0.01)
    undelivered = producer.flush(120)
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    if undelivered or failures:
        raise RuntimeError(
            f"plain producer: {undelivered} undelivered, {len(failures)} failed: {failures[:1]}"
        )
    return Rate(len(records), seconds, size, cpu_seconds=cpu)


def measure_transactional(
    bootstrap: str, topic: str, records: Sequence[Produced], size: int, batch_size: int
) -> Rate:
    """A raw transactional producer, one transaction of ``batch_size`` records at a time."""
    producer = Producer(producer_config(bootstrap, f"relay-bench-raw-{uuid.uuid4().hex[:8]}"))
    producer.init_transactions(30)
    key, value, headers = records[0]
    producer.begin_transaction()  # warm-up
    producer.produce(topic, value=value, key=key, headers=headers)
    producer.commit_transaction(30)
    began, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(records), batch_size):
        producer.begin_transaction()
        for key, value, headers in records[start : start + batch_size]:
            producer.produce(topic, value=value, key=key, headers=headers)
        producer.commit_transaction(30)  # flushes the batch first; raises if any record failed
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    producer.flush(30)
    return Rate(len(records), seconds, size, cpu_seconds=cpu)


# --- the relay ----------------------------------------------------------------------------------------


class TimedPublisher:
    """Passes batches on to a publisher, adding up the time spent inside it."""

    def __init__(self, publisher: TransactionalPublisher) -> None:
        self._publisher = publisher
        self.seconds = 0.0

    def publish(self, records: Sequence[OutgoingRecord]) -> None:
        began = time.perf_counter()
        self._publisher.publish(records)
        self.seconds += time.perf_counter() - began

    def close(self) -> None:
        self._publisher.close()


def measure_relay(
    database: Database,
    topic: str,
    publisher: TransactionalPublisher,
    warm_up: OutgoingRecord,
    batch_size: int,
    size: int,
) -> tuple[Rate, float]:
    """Drain the (full) outbox with one relay: its rate, and the share of it spent inside the publisher."""
    expected = backlog(database)
    publisher.publish([warm_up])
    timed = TimedPublisher(publisher)
    settings = RelaySettings(instance_id=f"relay-bench-{uuid.uuid4().hex[:8]}", batch_size=batch_size)
    relay = OutboxRelay(SERVICE, topic, database, timed, settings)
    began, cpu = time.perf_counter(), time.process_time()
    while relay.drain() > 0:
        pass
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    stopped = threading.Event()
    stopped.set()
    relay.run(stopped)  # returns at once: releases the lease for the next relay, closes the publisher
    if relay.published_total != expected:
        raise RuntimeError(f"the relay published {relay.published_total} of {expected} events")
    return Rate(expected, seconds, size, "events", cpu_seconds=cpu), timed.seconds / seconds


def backlog(database: Database) -> int:
    with database.read_sessions.begin() as session:
        return OutboxReader(session).backlog()


# --- the run ------------------------------------------------------------------------------------------


def delete_topic(bootstrap: str, topic: str) -> None:
    admin = AdminClient({"bootstrap.servers": bootstrap})  # kept referenced until the futures resolve
    for future in admin.delete_topics([topic], operation_timeout=30).values():
        future.result(timeout=30)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f} (1, 5, 15 min)"


def compare(
    args: argparse.Namespace, topic: str, database: Database, directory: Path
) -> list[tuple[int, float]]:
    """Fill the outbox, measure the baselines and the relays, print a line each; the relay's ratio to
    the raw transactional rate per batch size."""
    began = time.perf_counter()
    checkouts = fill_outbox(database, args.events)
    filled = time.perf_counter() - began
    keep_filled_outbox(database)
    records = outbox_records(database, topic, args.events)
    size = sum(record_bytes(record) for record in records)
    value = sum(len(record.value) for record in records) / len(records)
    print(
        f"outbox: {len(records):,} events of {checkouts:,} checkouts written through the unit of work in "
        f"{filled:.1f} s ({len(records) / filled:,.0f}/s); record value {value:.0f} bytes on average, "
        f"{size / len(records):.0f} with key and headers"
    )
    arguments = produce_arguments(records)
    plain = best([measure_plain(args.bootstrap, topic, arguments, size) for _ in range(args.rounds)])
    print(f"baseline, plain idempotent producer (produce all, one flush): {plain}")
    transport = KafkaTransport(args.bootstrap)
    ratios: list[tuple[int, float]] = []
    for batch_size in args.batch_sizes:
        raws: list[Rate] = []
        relays: list[tuple[Rate, float]] = []
        for _ in range(args.rounds):  # alternated, so a burst of load elsewhere hits both sides alike
            raws.append(measure_transactional(args.bootstrap, topic, arguments, size, batch_size))
            refill_outbox(database, len(records))
            publisher = transport.publisher(f"relay-bench-{uuid.uuid4().hex[:8]}")
            relays.append(measure_relay(database, topic, publisher, records[0], batch_size, size))
        raw = best(raws)
        _, publishing = max(relays, key=lambda measured: measured[0].per_second)
        relay = best([rate for rate, _ in relays])
        ratios.append((batch_size, relay.per_second / raw.per_second))
        print(f"batch {batch_size}: baseline, raw transactional produce: {raw}")
        print(
            f"batch {batch_size}: relay to Kafka: {relay}, {publishing:.0%} of the time inside the "
            f"publisher; {ratios[-1][1]:.2f} x raw transactional, {relay.per_second / plain.per_second:.2f} x plain"
        )
    refill_outbox(database, len(records))
    local = LocalLogTransport(directory / "log.sqlite")
    local.admin().ensure_topics([TopicSpec(topic, PARTITIONS, RETENTION_MS)])
    batch_size = args.batch_sizes[0]
    rate, publishing = measure_relay(database, topic, local.publisher("unused"), records[0], batch_size, size)
    print(
        f"batch {batch_size}: relay to the local log adapter (SQLite file, no broker): {rate}, "
        f"{publishing:.0%} of the time inside the publisher"
    )
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000, help="outbox rows to drain (default 50,000)")
    parser.add_argument(
        "--batch-sizes",
        type=lambda text: [int(size) for size in text.split(",")],
        default=[200, 1000],
        help="relay batch sizes to measure, comma-separated (default 200,1000)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="measure each baseline and relay this many times, alternately, and keep the best (default 3)",
    )
    parser.add_argument(
        "--bootstrap",
        default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or "127.0.0.1:59092",
        help="Kafka brokers (default: KAFKA_BOOTSTRAP_SERVERS, else make servers' 127.0.0.1:59092)",
    )
    parser.add_argument(
        "--database-url",
        help="PostgreSQL server to hold the scratch outbox (default: a temporary SQLite file)",
    )
    args = parser.parse_args()
    if args.events < 1 or args.rounds < 1:
        parser.error("--events and --rounds must be at least 1")
    for size in args.batch_sizes:
        RelaySettings(instance_id="check", batch_size=size)  # refuses sizes the relay would refuse
    print(f"machine: {machine()}")
    print(f"load average at start: {load_average()}")
    topic = f"relay-bench-{uuid.uuid4().hex[:12]}"
    KafkaTransport(args.bootstrap).admin().ensure_topics([TopicSpec(topic, PARTITIONS, RETENTION_MS)])
    try:
        with (
            tempfile.TemporaryDirectory(prefix="relay-bench-") as directory,
            scratch_database(args.database_url, Path(directory)) as (database, described),
        ):
            print(
                f"broker: {args.bootstrap} (librdkafka {libversion()[0]}), topic {topic} "
                f"({PARTITIONS} partitions); outbox database: {described}"
            )
            ratios = compare(args, topic, database, Path(directory))
    finally:
        delete_topic(args.bootstrap, topic)
    met = all(ratio >= 0.5 for _, ratio in ratios)
    shown = ", ".join(f"{ratio:.2f} at batch {batch_size}" for batch_size, ratio in ratios)
    print(
        f"target: relay >= 0.5 x raw transactional produce at the same batch size: "
        f"{'met' if met else 'NOT met'} ({shown})"
    )
    print(f"load average at end: {load_average()}")


if __name__ == "__main__":
    main()
