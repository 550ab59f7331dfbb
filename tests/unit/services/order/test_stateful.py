"""Property: any interleaving of orders, retries, cancellations and blocks keeps the order books.

A hypothesis state machine drives a real order service over HTTP (SQLite) and keeps a model of what
every answer must be: new keys place an order at most once per checkout, reused keys replay their
first answer (or 409 when the body changed), a cancellation keeps the order as ``CANCELLED`` or leaves
a tombstone that refuses a late order. After every step: at most one order per checkout; a cancelled
order stays cancelled and is never deleted; every order has exactly one ``OrderCreated`` (and one
``FulfilmentRequested``) and at most one ``OrderCancelled``; per currency, the totals of confirmed
orders equal Σ ``OrderCreated`` totals - Σ ``OrderCancelled`` totals; each cancellation left one
audit row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule, run_state_machine_as_test
from sqlalchemy import Engine, create_engine, select

from services.common.tables import audit_log, outbox
from services.order.entrypoints.app import create_app
from services.order.settings import OrderSettings
from tests.unit.services.support import IdempotentMachine, LiveServer

CUSTOMERS = ("ann", "bob")
CHECKOUTS = 3
# Contents a checkout may order: (currency, [(sku, quantity, unit price)], tax, total). The last one's
# total is wrong, so it is always refused with TOTAL_MISMATCH.
CONTENTS = (
    ("EUR", [("A", 2, 500), ("B", 1, 999)], 0, 1999),
    ("JPY", [("C", 3, 700)], 210, 2310),
    ("EUR", [("A", 1, 500)], 0, 400),
)
VALID = range(len(CONTENTS) - 1)


def money(amount_minor: int, currency: str) -> dict[str, Any]:
    return {"amount_minor": amount_minor, "currency": currency}


def nonzero(totals: Counter[str]) -> dict[str, int]:
    return {currency: amount for currency, amount in totals.items() if amount != 0}


@dataclass
class Placed:
    """What the model knows of a checkout: its order (``None`` for a tombstone) and whether cancelled."""

    order_id: str | None
    content: tuple[str, int] | None
    cancelled: bool


class OrderMachine(IdempotentMachine):
    db: ClassVar[Engine]

    def __init__(self) -> None:
        super().__init__()
        self.checkouts: dict[str, Placed] = {}
        self.blocked: set[str] = set()
        self.cancellations = 0

    def customer(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    def order_body(self, checkout: str, customer: str, content: int) -> dict[str, Any]:
        currency, lines, tax, total = CONTENTS[content]
        return {
            "checkout_id": checkout,
            "customer_id": customer,
            "items": [
                {
                    "sku": sku,
                    "quantity": quantity,
                    "unit_price": money(price, currency),
                    "line_total": money(price * quantity, currency),
                }
                for sku, quantity, price in lines
            ],
            "tax": money(tax, currency),
            "total": money(total, currency),
            "quote_id": f"{checkout}-quote",
            "payment_id": f"{checkout}-pay",
            "allocation": [
                {"sku": sku, "quantity": quantity, "location": "L1"} for sku, quantity, _ in lines
            ],
        }

    @rule(
        number=st.integers(0, CHECKOUTS - 1),
        variant=st.integers(0, 2),
        name=st.sampled_from(CUSTOMERS),
        content=st.integers(0, len(CONTENTS) - 1),
    )
    def create(self, number: int, variant: int, name: str, content: int) -> None:
        checkout, customer = self.checkout(number), self.customer(name)
        body = self.order_body(checkout, customer, content)
        response = self.send(f"{checkout}:create:{variant}", "POST", "/v1/orders", body)
        if response is None:
            return
        answer = response.json()
        placed = self.checkouts.get(checkout)
        if placed is not None:
            if placed.cancelled:
                assert (response.status_code, answer["code"]) == (409, "ORDER_CANCELLED")
            elif placed.content == (name, content):
                assert response.status_code == 200
                assert answer["order_id"] == placed.order_id
            else:
                assert (response.status_code, answer["code"]) == (409, "ORDER_CONFLICT")
        elif content not in VALID:
            assert (response.status_code, answer["code"]) == (422, "TOTAL_MISMATCH")
        elif customer in self.blocked:
            assert (response.status_code, answer["code"]) == (409, "CUSTOMER_BLOCKED")
        else:
            assert response.status_code == 201, response.text
            assert answer["status"] == "CONFIRMED"
            self.checkouts[checkout] = Placed(answer["order_id"], (name, content), cancelled=False)

    @rule(number=st.integers(0, CHECKOUTS - 1), variant=st.integers(0, 1))
    def cancel(self, number: int, variant: int) -> None:
        checkout = self.checkout(number)
        response = self.send(f"{checkout}:cancel:{variant}", "POST", f"/v1/orders/{checkout}/cancel", None)
        if response is None:
            return
        self.cancellations += 1
        assert response.status_code == 200
        answer = response.json()
        placed = self.checkouts.get(checkout)
        if placed is None:
            assert (answer["outcome"], answer["order"]) == ("NOOP_NOTHING_TO_COMPENSATE", None)
            self.checkouts[checkout] = Placed(None, None, cancelled=True)
            return
        expected = "NOOP_ALREADY_COMPENSATED" if placed.cancelled else "COMPENSATED"
        assert answer["outcome"] == expected
        if placed.order_id is None:
            assert answer["order"] is None
        else:
            assert (answer["order"]["order_id"], answer["order"]["status"]) == (placed.order_id, "CANCELLED")
        placed.cancelled = True

    @rule(name=st.sampled_from(CUSTOMERS), blocked=st.booleans())
    def block(self, name: str, blocked: bool) -> None:
        customer = self.customer(name)
        path = f"/v1/blocked-customers/{customer}"
        if blocked:
            response = self.http.put(path, json={"reason": "chargebacks"})
            assert response.status_code == (200 if customer in self.blocked else 201)
            self.blocked.add(customer)
        else:
            assert self.http.delete(path).status_code == 204
            self.blocked.discard(customer)

    def listed(self, customer: str) -> list[dict[str, Any]]:
        """Every order of ``customer`` through the paginated listing, two at a time."""
        orders: list[dict[str, Any]] = []
        params: dict[str, Any] = {"customer_id": customer, "limit": 2}
        while True:
            page = self.http.get("/v1/orders", params=params).json()
            orders += page["orders"]
            if page["next_after"] is None:
                return orders
            params["after"] = page["next_after"]

    @invariant()
    def books_balance(self) -> None:
        orders = [order for name in CUSTOMERS for order in self.listed(self.customer(name))]
        checkouts = [order["checkout_id"] for order in orders]
        assert len(checkouts) == len(set(checkouts)), "two orders for one checkout"
        for name in CUSTOMERS:
            stamps = [o["created_at"] for o in orders if o["customer_id"] == self.customer(name)]
            assert stamps == sorted(stamps, reverse=True), "not newest first"
        listed = {order["checkout_id"]: order for order in orders}
        placed = {c: p for c, p in self.checkouts.items() if p.order_id is not None}
        assert set(listed) == set(placed), "an order was lost (or appeared)"
        for checkout, order in listed.items():
            assert order["order_id"] == placed[checkout].order_id
            assert order["status"] == ("CANCELLED" if placed[checkout].cancelled else "CONFIRMED")
            assert (order["cancelled_at"] is not None) == placed[checkout].cancelled

        with self.db.connect() as connection:
            events = connection.execute(
                select(outbox.c.event_type, outbox.c.payload).where(
                    outbox.c.checkout_id.like(f"{self.prefix}-%")
                )
            ).all()
            audits = connection.execute(
                select(audit_log.c.id).where(audit_log.c.correlation_id.like(f"{self.prefix}-%"))
            ).all()
        per_order = Counter((event_type, payload["order_id"]) for event_type, payload in events)
        for checkout, order in listed.items():
            assert per_order["OrderCreated", order["order_id"]] == 1
            assert per_order["FulfilmentRequested", order["order_id"]] == 1
            assert per_order["OrderCancelled", order["order_id"]] == int(placed[checkout].cancelled)
        assert {order_id for _, order_id in per_order} <= {order["order_id"] for order in orders}

        confirmed: Counter[str] = Counter()
        for order in orders:
            if order["status"] == "CONFIRMED":
                confirmed[order["total"]["currency"]] += order["total"]["amount_minor"]
        booked: Counter[str] = Counter()
        for event_type, payload in events:
            sign = {"OrderCreated": 1, "OrderCancelled": -1}.get(event_type)
            if sign is not None:
                booked[payload["total"]["currency"]] += sign * payload["total"]["amount_minor"]
        assert nonzero(confirmed) == nonzero(booked)
        assert len(audits) == self.cancellations


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, Engine]]:
    database: Path = tmp_path_factory.mktemp("order") / "order.db"
    app = create_app(OrderSettings(database_url=f"sqlite:///{database}"))
    db = create_engine(f"sqlite:///{database}")
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=30) as client:
        yield client, db
    db.dispose()


def test_any_interleaving_keeps_the_order_books(server: tuple[httpx.Client, Engine]) -> None:
    OrderMachine.http, OrderMachine.db = server
    run_state_machine_as_test(
        OrderMachine,
        settings=settings(
            max_examples=20,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
