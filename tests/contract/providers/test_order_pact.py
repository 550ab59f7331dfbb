"""The order service honours every message pact its consumers committed (``order.events``).

Each message is built the way production builds it: an order placed (and cancelled) through the
order domain's own rules, its domain event written by ``OutboxWriter`` into a real (SQLite) order
database, and the relay's ``pending_events`` reading it back as the Kafka record. The record value is
the message content and the record headers its metadata, so a change anywhere on that path that
breaks what a consumer reads fails here.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pact.types import Message

from events.relay.outboxes import topic_of
from events.relay.pending import pending_events
from services.common.database import Database
from services.common.migrations import upgrade_to_head
from services.common.money import Money
from services.common.outbox import DomainEvent
from services.common.uow import UnitOfWork
from services.order.domain import events as order_events
from services.order.domain import model as order
from tests.contract.pacts import MessageProducer, expected_interactions, message, run_verifier

PROVIDER = "order"
PLACED_AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
CANCELLED_AT = datetime(2026, 6, 1, 12, 5, 30, 125000, tzinfo=UTC)


def placed_order() -> order.Order:
    """An order as ``place_order`` creates it, amounts checked by the domain."""
    details = order.OrderDetails(
        customer_id="cust-7",
        items=(order.OrderLine("SKU-1", 2, Money(1999, "EUR"), Money(3998, "EUR")),),
        total=Money(4282, "EUR"),
        quote_id="q-7",
        payment_id="pay_7",
        allocation=(order.AllocatedLine("SKU-1", 2, "A-01"),),
        discount=Money(400, "EUR"),
        tax=Money(684, "EUR"),
    )
    return order.place("chk-7", details, None, PLACED_AT)


@dataclass(frozen=True)
class Broken:
    """A domain event with a payload of the test's choosing (to break the contract on purpose)."""

    event_type: str
    schema_version: int
    checkout_id: str | None
    body: dict[str, Any]

    def payload(self) -> dict[str, Any]:
        return self.body


def relayed(event: DomainEvent) -> Message:
    """``event`` as the order relay publishes it: written to the outbox, read back as its record."""
    with tempfile.TemporaryDirectory() as scratch:
        database = Database.connect(f"sqlite:///{Path(scratch) / 'order.db'}")
        try:
            upgrade_to_head(database.engine, "services.order")
            with UnitOfWork(database) as uow:
                uow.outbox.add(event)
                uow.commit()
            with database.read_sessions.begin() as session:
                (record,) = pending_events(session, PROVIDER, topic_of(PROVIDER), 10).records
        finally:
            database.dispose()
    return message(record.value, record.headers)


def order_created() -> Message:
    return relayed(order_events.OrderCreated(placed_order()))


def order_cancelled() -> Message:
    cancelled = placed_order()
    assert order.cancel(cancelled, CANCELLED_AT)
    return relayed(order_events.OrderCancelled(cancelled))


PRODUCERS: dict[str, MessageProducer] = {
    "an OrderCreated event": order_created,
    "an OrderCancelled event": order_cancelled,
}
"""One producer per message description any consumer's pact asks of ``order``."""


def test_the_order_service_sends_every_message_its_consumers_expect() -> None:
    verification = run_verifier(PROVIDER, PRODUCERS)
    if not verification.passed:
        pytest.fail(verification.output, pytrace=False)
    # A verifier with nothing to verify passes: every committed interaction must have run, and passed.
    assert verification.interactions == dict.fromkeys(expected_interactions(PROVIDER), True)


def test_an_order_created_event_without_the_customer_fails_verification() -> None:
    """The verifier is a real check: the same pacts refuse an ``OrderCreated`` whose payload lost
    ``customer_id``, which loyalty awards the points to (and which the contract requires of every
    consumer's example)."""

    def without_customer() -> Message:
        event = order_events.OrderCreated(placed_order())
        payload = {key: value for key, value in event.payload().items() if key != "customer_id"}
        return relayed(Broken(event.event_type, event.schema_version, event.checkout_id, payload))

    verification = run_verifier(
        PROVIDER, {**PRODUCERS, "an OrderCreated event": without_customer}, "^an OrderCreated event$"
    )
    assert not verification.passed
    assert verification.interactions == {
        ("loyalty-points", "an OrderCreated event"): False,
        ("cart-checkouts", "an OrderCreated event"): False,
    }
    assert "customer_id" in verification.output
