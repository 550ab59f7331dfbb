"""Concurrent requests over real HTTP on PostgreSQL (the cart's CI database, at READ COMMITTED):
``reserved_quantity`` stays exact, no double effect per checkout, no deadlock.

Every request of a burst gets its own connection and waits on a barrier, so they reach the server
together; the server handles them on its worker threads, each with its own database transaction.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine

from services.cart.entrypoints.app import create_app
from services.cart.settings import CartSettings
from tests.integration.services.cart.conftest import Cart
from tests.integration.services.conftest import new_database
from tests.integration.services.support import Call, burst
from tests.unit.services.support import LiveServer, unique


@pytest.fixture(scope="module")
def cart(request: pytest.FixtureRequest) -> Iterator[Cart]:
    url = new_database(request, "postgresql")
    db = create_engine(url)
    with (
        LiveServer(create_app(CartSettings(database_url=url))) as server,
        httpx.Client(base_url=server.url, timeout=30) as http,
    ):
        yield Cart(http=http, db=db, backend="postgresql", server=server)
    db.dispose()


def reservation(checkout: str, items: list[tuple[str, int]], key: str) -> Call:
    body = {
        "checkout_id": checkout,
        "customer_id": "cust-1",
        "items": [{"sku": s, "quantity": q} for s, q in items],
    }
    return lambda client: client.post("/v1/reservations", json=body, headers={"Idempotency-Key": key})


def release(checkout: str, key: str) -> Call:
    return lambda client: client.post(
        f"/v1/reservations/{checkout}/release", headers={"Idempotency-Key": key}
    )


def test_twenty_concurrent_reservations_of_one_sku_count_every_unit(cart: Cart) -> None:
    sku = cart.new_sku(max_per_order=20)
    checkouts = [unique("chk") for _ in range(20)]
    calls = [reservation(c, [(sku, n % 3 + 1)], f"{c}:reserve") for n, c in enumerate(checkouts)]
    responses = burst(cart, calls)
    assert [r.status_code for r in responses] == [201] * 20, [r.text for r in responses]
    assert cart.reserved(sku) == sum(n % 3 + 1 for n in range(20))
    assert all([e["event_type"] for e in cart.events(c)] == ["CartReserved"] for c in checkouts)


def test_concurrent_requests_for_one_checkout_with_different_keys_reserve_once(cart: Cart) -> None:
    sku = cart.new_sku()
    checkout = unique("chk")
    responses = burst(cart, [reservation(checkout, [(sku, 4)], f"{checkout}:run-{n}") for n in range(20)])
    assert sorted(r.status_code for r in responses) == [200] * 19 + [201]
    assert len({r.text for r in responses}) == 1  # every caller sees the one reservation
    assert cart.reserved(sku) == 4
    assert len(cart.events(checkout)) == 1


def test_releases_racing_reservations_on_overlapping_skus_stay_exact(cart: Cart) -> None:
    """Lines in opposite orders, releases racing reservations and their own checkouts' late
    reservations: no deadlock, no 5xx, and the count is exactly what the RESERVED ones hold."""
    first, second = cart.new_sku(), cart.new_sku()
    held = [unique("chk") for _ in range(8)]
    for checkout in held:
        assert cart.reserve(checkout, [(first, 1), (second, 1)]).status_code == 201
    fresh = [unique("chk") for _ in range(12)]
    calls = [release(c, f"{c}:release") for c in held]
    for n, checkout in enumerate(fresh):
        items = [(first, 1), (second, 2)] if n % 2 else [(second, 2), (first, 1)]
        calls += [
            reservation(checkout, items, f"{checkout}:reserve"),
            release(checkout, f"{checkout}:release"),
        ]
    responses = burst(cart, calls)
    assert all(r.status_code < 500 for r in responses), [r.text for r in responses if r.status_code >= 500]
    assert [r.json()["outcome"] for r in responses[: len(held)]] == ["COMPENSATED"] * len(held)
    for n, checkout in enumerate(fresh):
        reserved, released = responses[len(held) + 2 * n], responses[len(held) + 2 * n + 1]
        if reserved.status_code == 201:
            assert released.json()["outcome"] == "COMPENSATED"
        else:
            assert (reserved.status_code, reserved.json()["code"]) == (409, "RESERVATION_RELEASED")
            assert released.json()["outcome"] == "NOOP_NOTHING_TO_COMPENSATE"
        assert cart.http.get(f"/v1/reservations/{checkout}").json()["status"] == "RELEASED"
    assert (cart.reserved(first), cart.reserved(second)) == (0, 0)
