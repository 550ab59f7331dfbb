"""Pact of consumer group ``cart-checkouts`` with the order service (``order.events``).

Declares the one message the group acts on, with the same example the other order consumers declare
(:mod:`tests.contract.consumers.order_messages`): the group reads the envelope's ``event_id`` (the
cart call's idempotency key) and the payload's ``checkout_id``, and the contract model requires the
rest. The example is run through the group's real consumer and the cart call it makes is checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from pact import Pact
from pact.error import PactVerificationError

from events.consumers import cart_checkouts
from tests.contract.consumers.harness import ConsumerHarness, group_database
from tests.contract.consumers.order_messages import (
    CREATED_EVENT_ID,
    ORDER_CREATED,
    declare_order_created,
    order_created_payload,
)
from tests.contract.pacts import check_committed, pair

CONSUMER = cart_checkouts.GROUP_ID
PROVIDER = "order"
(TOPIC,) = cart_checkouts.TOPICS


def cart_checkouts_pact() -> Pact:
    pact = Pact(CONSUMER, PROVIDER)
    declare_order_created(pact, order_created_payload())
    return pact


@dataclass(frozen=True)
class CartCall:
    """A request the group sent to the cart service."""

    method: str
    path: str
    idempotency_key: str | None


def consume(pact: Pact, directory: Path) -> list[CartCall]:
    """Run every message of ``pact`` through the group's runner and handlers, as
    ``python -m events.consumers cart-checkouts`` composes them, with the cart mocked; the calls the
    group made. Raises pact's ``PactVerificationError`` when the group cannot handle a message."""
    calls: list[CartCall] = []

    def cart_service(request: httpx.Request) -> httpx.Response:
        calls.append(CartCall(request.method, request.url.path, request.headers.get("Idempotency-Key")))
        return httpx.Response(200, json={})

    with (
        group_database(directory) as database,
        httpx.Client(base_url="http://cart", transport=httpx.MockTransport(cart_service)) as http,
    ):
        handlers = cart_checkouts.handlers(cart_checkouts.CartClient(http))
        pact.verify(ConsumerHarness(CONSUMER, TOPIC, handlers, database).deliver, "Async")
    return calls


@pytest.fixture(scope="module")
def verified(tmp_path_factory: pytest.TempPathFactory) -> tuple[Pact, list[CartCall]]:
    pact = cart_checkouts_pact()
    return pact, consume(pact, tmp_path_factory.mktemp("cart-checkouts"))


def test_an_order_created_event_makes_the_group_check_out_the_checkouts_reservation(
    verified: tuple[Pact, list[CartCall]],
) -> None:
    _, calls = verified
    assert calls == [
        CartCall("POST", "/v1/reservations/chk-1/check-out", f"cart-checkouts:{CREATED_EVENT_ID}")
    ]
    assert len(pair(CONSUMER, PROVIDER).messages) == 1


def test_the_committed_pact_is_what_the_group_declares(
    verified: tuple[Pact, list[CartCall]], tmp_path: Path
) -> None:
    check_committed(verified[0], pair(CONSUMER, PROVIDER), tmp_path)


def test_an_order_created_event_without_its_checkout_fails_the_consumer_check(tmp_path: Path) -> None:
    """The check is real: the group cannot name the reservation to check out without ``checkout_id``,
    and its runner dead-letters such an event, so declaring it fails."""
    pact = Pact(CONSUMER, PROVIDER)
    payload = order_created_payload()
    del payload["checkout_id"]
    declare_order_created(pact, payload)
    with pytest.raises(PactVerificationError) as failure:
        consume(pact, tmp_path)
    (error,) = failure.value.errors
    assert error.description == ORDER_CREATED
    assert "checkout_id" in str(error.error)
