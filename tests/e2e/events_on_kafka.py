"""Reading the stack's topics and outboxes from the end-to-end tests."""

from __future__ import annotations

import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer, TopicPartition
from sqlalchemy import create_engine, text

from checkout_saga.layout import SERVICE_NAMES
from events.envelope import parse_envelope
from events.topics import SERVICE_TOPICS
from services.common.database import Database
from services.common.outbox import OutboxMessage, OutboxReader
from tests.e2e.conftest import Stack
from tests.e2e.outbox_ledger import written

ROOT = Path(__file__).resolve().parents[2]
RELAYED = SERVICE_NAMES
WAIT_S = 60.0


def outbox(stack: Stack, service: str, checkout_id: str) -> list[OutboxMessage]:
    database = Database.connect(stack.layout.database_url(service))
    try:
        with database.read_sessions.begin() as session:
            return OutboxReader(session).for_checkout(checkout_id)
    finally:
        database.dispose()


def written_by(stack: Stack, service: str, checkout_id: str) -> list[tuple[uuid.UUID, str]]:
    """Every event the service wrote for the checkout, published or not: (id, type), oldest first."""
    return written(stack.layout.database_url(service), checkout_id)


def still_in_outbox(stack: Stack, checkout_id: str, event_type: str) -> bool:
    """Whether the order service's ``event_type`` event of the checkout waits to be published (the
    relay deletes what it published)."""
    return any(m.event_type == event_type for m in outbox(stack, "order", checkout_id))


@contextmanager
def outbox_locked_against_writes(stack: Stack, service: str) -> Iterator[None]:
    """Hold PostgreSQL's EXCLUSIVE lock on the service's outbox: reads go on, deletes wait."""
    engine = create_engine(stack.layout.database_url(service))
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        with engine.begin() as connection:
            connection.execute(text("LOCK TABLE outbox IN EXCLUSIVE MODE"))
            locked.set()
            release.wait(WAIT_S)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(10), "could not lock the outbox"
        yield
    finally:
        release.set()
        holder.join()
        engine.dispose()


def unpublished(stack: Stack, service: str) -> int:
    database = Database.connect(stack.layout.database_url(service))
    try:
        with database.read_sessions.begin() as session:
            return OutboxReader(session).backlog()
    finally:
        database.dispose()


def until(condition: Callable[[], bool], what: str, timeout_s: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.1)


def outboxes_drained(stack: Stack) -> None:
    until(lambda: all(unpublished(stack, s) == 0 for s in RELAYED), "every outbox drained")


class TopicReader:
    """Reads a topic from a point in time on, like an operator's tool: read_committed, no group offsets."""

    def __init__(self, bootstrap: str, topic: str, since_ms: int) -> None:
        self._consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": f"e2e-reader-{uuid.uuid4().hex}",
                "isolation.level": "read_committed",
                "enable.auto.commit": False,
            }
        )
        partitions = self._consumer.list_topics(topic, timeout=10).topics[topic].partitions
        starts = self._consumer.offsets_for_times(
            [TopicPartition(topic, p, since_ms) for p in partitions], timeout=10
        )
        self._consumer.assign(starts)
        self.records: list[tuple[str | None, bytes, dict[str, str]]] = []

    def read_until(self, condition: Callable[[], bool], what: str, timeout_s: float = WAIT_S) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"never read: {what}")
            for message in self._consumer.consume(500, 0.2):
                if message.error() is None:
                    key = message.key()
                    headers = {k: (v or b"").decode() for k, v in (message.headers() or [])}
                    self.records.append((key.decode() if key else None, message.value() or b"", headers))

    def event_ids(self, key: str) -> list[uuid.UUID]:
        """The event ids of ``key``'s records, in topic order, copies included."""
        return [parse_envelope(value).event_id for k, value, _ in self.records if k == key]

    def close(self) -> None:
        self._consumer.close()


def kafka(command: str) -> None:
    """Stop or start the test broker with the project's own script."""
    subprocess.run([str(ROOT / "deploy/local/servers.sh"), command, "kafka"], check=True, cwd=ROOT)


def now_ms() -> int:
    return int(time.time() * 1000)


def follow_ups_written(stack: Stack, completed: list[str]) -> None:
    """Wait until the consumers of order.events have acted on each completed checkout's order (the
    loyalty service wrote its PointsAwarded, the cart its CartCheckedOut), then until every outbox
    is drained."""

    def followed(checkout_id: str) -> bool:
        cart_events = [event_type for _, event_type in written_by(stack, "cart", checkout_id)]
        return bool(written_by(stack, "loyalty", checkout_id)) and "CartCheckedOut" in cart_events

    until(lambda: all(followed(checkout_id) for checkout_id in completed), "the completed orders' follow-ups")
    outboxes_drained(stack)


def assert_arrived_in_order(
    stack: Stack, bootstrap: str, since_ms: int, checkouts: list[dict[str, Any]]
) -> None:
    """Every event each service wrote for these checkouts is on its topic, in the order written, once
    copies are set aside (a relay may publish a batch twice; consumers drop the copy). A completed
    checkout has events from every service: its check cannot pass on an empty outbox."""
    for service in RELAYED:
        reader = TopicReader(bootstrap, SERVICE_TOPICS[service], since_ms)
        try:
            for checkout in checkouts:
                written = [event_id for event_id, _ in written_by(stack, service, checkout["id"])]
                if checkout["status"] == "COMPLETED":
                    assert written, f"{service} wrote nothing for completed checkout {checkout['id']}"
                reader.read_until(
                    lambda r=reader, c=checkout["id"], w=written: set(w) <= set(r.event_ids(c)),
                    f"{service} events of {checkout['id']}",
                )
                arrived = list(dict.fromkeys(reader.event_ids(checkout["id"])))
                assert arrived == written, f"{service}: {checkout['status']} checkout {checkout['id']}"
        finally:
            reader.close()
