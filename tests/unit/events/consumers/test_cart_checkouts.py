"""Group ``cart-checkouts``: each created order checks out its checkout's cart reservation, once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy.orm import Session

from checkout_saga.layout import Ports
from events.consumer.dead_letters import Poison
from events.consumers import cart_checkouts
from events.contracts.order import OrderCreatedV1
from events.envelope import Envelope


def order_created() -> tuple[Envelope, OrderCreatedV1]:
    payload = {
        "order_id": "ord_1",
        "checkout_id": "chk-1",
        "customer_id": "cust-1",
        "quote_id": "q-1",
        "payment_id": "pay_1",
        "total": {"amount_minor": 4282, "currency": "EUR"},
    }
    envelope = Envelope(
        event_id=uuid.UUID("0b7e2a4c-5d1f-4e8a-9c3b-6f2d8e1a7c40"),
        event_type="OrderCreated",
        schema_version=1,
        source="order",
        checkout_id="chk-1",
        occurred_at=datetime(2026, 6, 1, 12, tzinfo=UTC),
        payload=payload,
    )
    return envelope, OrderCreatedV1.model_validate(payload)


def check_out_with(status: int, body: object = None) -> list[httpx.Request]:
    sent: list[httpx.Request] = []

    def cart(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(status, json=body)

    with httpx.Client(base_url="http://cart", transport=httpx.MockTransport(cart)) as http:
        handler = cart_checkouts.handlers(cart_checkouts.CartClient(http))["OrderCreated"]
        envelope, payload = order_created()
        with Session() as unused:  # the group keeps nothing in its own database but the inbox
            handler(envelope, payload, unused)
    return sent


def test_an_order_created_checks_out_its_checkouts_reservation_under_a_key_of_the_event() -> None:
    (request,) = check_out_with(200, {"outcome": "CHECKED_OUT"})
    assert (request.method, request.url.path) == ("POST", "/v1/reservations/chk-1/check-out")
    assert request.headers["Idempotency-Key"] == "cart-checkouts:0b7e2a4c-5d1f-4e8a-9c3b-6f2d8e1a7c40"


def test_an_order_of_a_checkout_the_cart_never_saw_is_dead_lettered() -> None:
    with pytest.raises(Poison, match="cart answered 404 RESERVATION_NOT_FOUND"):
        check_out_with(404, {"code": "RESERVATION_NOT_FOUND"})


def test_a_cart_that_does_not_know_the_route_yet_is_tried_again() -> None:
    """Mid-rollout, an old cart answers the route's 404, not the reservation's: not a poison event."""
    with pytest.raises(httpx.HTTPStatusError):
        check_out_with(404, {"code": "NOT_FOUND"})


def test_a_cart_that_is_down_is_tried_again() -> None:
    with pytest.raises(httpx.HTTPStatusError):
        check_out_with(503)


def test_by_default_the_group_calls_the_cart_where_the_local_stack_serves_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CART_CHECKOUTS_CART_URL", raising=False)
    assert cart_checkouts.CartCheckoutsSettings().cart_url == f"http://127.0.0.1:{Ports().cart}"
