"""Pact of consumer group ``loyalty-points`` with the order service (``order.events``).

Declares the two messages the group acts on, with matchers for what its code reads: the envelope
(``event_id`` is the loyalty call's idempotency key, ``event_type`` and ``schema_version`` pick the
handler and the contract), the payload the contract model requires and the loyalty calls use, and
the routing headers. Each example is then run through the group's real consumer, and the loyalty
calls it makes are checked, so the pact cannot promise a message the consumer would not handle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pact import Pact
from pact.error import PactVerificationError

from events.consumers import loyalty_points
from tests.contract.consumers.harness import ConsumerHarness, group_database
from tests.contract.consumers.order_messages import (
    CANCELLED_EVENT_ID,
    CREATED_EVENT_ID,
    ORDER_CREATED,
    declare_order_cancelled,
    declare_order_created,
    order_created_payload,
)
from tests.contract.pacts import check_committed, pair

CONSUMER = loyalty_points.GROUP_ID
PROVIDER = "order"
(TOPIC,) = loyalty_points.TOPICS


def loyalty_points_pact() -> Pact:
    """Every message ``loyalty-points`` needs from ``order``: one Pact per pair, so the written file
    holds all of them."""
    pact = Pact(CONSUMER, PROVIDER)
    declare_order_created(pact, order_created_payload())
    declare_order_cancelled(pact)
    return pact


@dataclass(frozen=True)
class LoyaltyCall:
    """A request the group sent to the loyalty service."""

    method: str
    path: str
    idempotency_key: str | None
    body: Any


@dataclass(frozen=True)
class Verified:
    """The pact every other test uses, and what the group did with its messages."""

    pact: Pact
    calls: list[LoyaltyCall]


def consume(pact: Pact, directory: Path) -> list[LoyaltyCall]:
    """Run every message of ``pact`` through the group's runner and handlers, as
    ``python -m events.consumers loyalty-points`` composes them, with the loyalty service mocked
    (it is not what this pact is about); the calls the group made. Raises pact's
    ``PactVerificationError`` when the group cannot handle a message."""
    calls: list[LoyaltyCall] = []

    def loyalty_service(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        calls.append(
            LoyaltyCall(request.method, request.url.path, request.headers.get("Idempotency-Key"), body)
        )
        return httpx.Response(201, json={})

    transport = httpx.MockTransport(loyalty_service)
    with (
        group_database(directory) as database,
        httpx.Client(base_url="http://loyalty", transport=transport) as http,
    ):
        client = loyalty_points.LoyaltyClient(http)
        harness = ConsumerHarness(CONSUMER, TOPIC, loyalty_points.handlers(client), database)
        pact.verify(harness.deliver, "Async")
    return calls


@pytest.fixture(scope="module")
def verified(tmp_path_factory: pytest.TempPathFactory) -> Verified:
    """The pact, once the consumer has handled each of its messages: later tests write only a
    verified pact."""
    pact = loyalty_points_pact()
    return Verified(pact, consume(pact, tmp_path_factory.mktemp("loyalty-points")))


def test_an_order_created_event_makes_the_group_award_the_order_total_to_the_customer(
    verified: Verified,
) -> None:
    assert (
        LoyaltyCall(
            "POST",
            "/v1/awards",
            f"loyalty-points:{CREATED_EVENT_ID}",
            {
                "checkout_id": "chk-1",
                "customer_id": "cust-1",
                "order_id": "ord_1",
                "amount": {"amount_minor": 4282, "currency": "EUR"},
            },
        )
        in verified.calls
    )


def test_an_order_cancelled_event_makes_the_group_revoke_the_checkouts_award(verified: Verified) -> None:
    assert (
        LoyaltyCall("POST", "/v1/awards/chk-1/revoke", f"loyalty-points:{CANCELLED_EVENT_ID}", None)
        in verified.calls
    )


def test_each_declared_message_is_handled_exactly_once(verified: Verified) -> None:
    """``pact.verify`` over no interactions passes: the count proves both examples were consumed."""
    assert len(verified.calls) == len(pair(CONSUMER, PROVIDER).messages) == 2


def test_the_committed_pact_is_what_the_group_declares(verified: Verified, tmp_path: Path) -> None:
    check_committed(verified.pact, pair(CONSUMER, PROVIDER), tmp_path)


def test_a_declared_message_the_contract_refuses_fails_the_consumer_check(tmp_path: Path) -> None:
    """The check is real: an ``OrderCreated`` example without ``payment_id`` is dead-lettered by the
    group's runner, so declaring it fails instead of producing a pact the group could not honour."""
    pact = Pact(CONSUMER, PROVIDER)
    payload = order_created_payload()
    del payload["payment_id"]
    declare_order_created(pact, payload)
    with pytest.raises(PactVerificationError) as failure:
        consume(pact, tmp_path)
    (error,) = failure.value.errors
    assert error.description == ORDER_CREATED
    assert "dead-lettered" in str(error.error)
    assert "payment_id" in str(error.error)
