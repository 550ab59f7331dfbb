"""Concurrent requests over real HTTP: one order per checkout, and a cancellation racing its order.

Every request of a burst gets its own connection and waits on a barrier, so they reach the server
together; the server handles them on its worker threads, each with its own database transaction.
"""

from __future__ import annotations

from typing import Any

from tests.integration.services.order.conftest import Orders, order_body
from tests.integration.services.support import Call, burst
from tests.unit.services.support import unique


def create(body: dict[str, Any], key: str) -> Call:
    return lambda client: client.post("/v1/orders", json=body, headers={"Idempotency-Key": key})


def cancel(checkout: str, key: str) -> Call:
    return lambda client: client.post(f"/v1/orders/{checkout}/cancel", headers={"Idempotency-Key": key})


def test_concurrent_orders_for_one_checkout_with_different_keys_place_one(orders: Orders) -> None:
    body = order_body(unique("chk"), unique("cust"))
    responses = burst(orders, [create(body, f"{body['checkout_id']}:run-{n}") for n in range(12)])
    assert sorted(r.status_code for r in responses) == [200] * 11 + [201], [r.text for r in responses]
    assert len({r.json()["order_id"] for r in responses}) == 1
    assert [e["event_type"] for e in orders.events(body["checkout_id"])] == [
        "OrderCreated",
        "FulfilmentRequested",
    ]


def test_a_cancellation_racing_its_own_order_never_leaves_it_confirmed(orders: Orders) -> None:
    """The saga's compensation can overtake a retried forward call of the same checkout.

    Whichever commits first, the checkout ends up with no confirmed order: either the order was placed
    and the cancellation cancelled it (``COMPENSATED``), or the cancellation came first, left its
    tombstone, and the order is refused (``ORDER_CANCELLED``). Never a 5xx.
    """
    bodies = [order_body(unique("chk"), unique("cust")) for _ in range(8)]
    calls = []
    for body in bodies:
        checkout = body["checkout_id"]
        calls += [create(body, f"{checkout}:create"), cancel(checkout, f"{checkout}:cancel")]
    responses = burst(orders, calls)
    assert all(r.status_code < 500 for r in responses), [r.text for r in responses if r.status_code >= 500]
    for n, body in enumerate(bodies):
        checkout = body["checkout_id"]
        created, cancelled = responses[2 * n], responses[2 * n + 1]
        outcome = cancelled.json()["outcome"]
        if created.status_code == 201:
            assert outcome == "COMPENSATED"
            assert [e["event_type"] for e in orders.events(checkout)] == [
                "OrderCreated",
                "FulfilmentRequested",
                "OrderCancelled",
            ]
            assert orders.http.get(f"/v1/orders/{checkout}").json()["status"] == "CANCELLED"
        else:
            assert (created.status_code, created.json()["code"]) == (409, "ORDER_CANCELLED")
            assert outcome == "NOOP_NOTHING_TO_COMPENSATE"
            assert orders.events(checkout) == []
        assert [row["outcome"] for row in orders.audit(checkout)] == [outcome]
