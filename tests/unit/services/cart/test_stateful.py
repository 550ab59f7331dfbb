"""Property: any interleaving of catalogue changes, reservations, retries, check-outs and releases
keeps the books.

A hypothesis state machine drives a real cart over HTTP (SQLite) and keeps a model of what every
answer must be: new keys reserve at most once per checkout, reused keys replay their first answer (or
409 when the body changed), releases and check-outs give back exactly what was held, whichever comes
first. After every step: each product's ``reserved_quantity`` equals the units of the ``RESERVED``
reservations (released and checked-out ones hold nothing), each checkout has the one reservation the
model expects, and every provisional total is the sum of its line totals.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from services.cart.entrypoints.app import create_app
from services.cart.settings import CartSettings
from tests.unit.services.support import IdempotentMachine, LiveServer

SKUS = ("A", "B", "C")
UNKNOWN = "Z"
CUSTOMERS = ("cust-1", "cust-1", "cust-2")
# Weighted towards requests that succeed, so that releases often have something to give back.
ITEM_NAMES = st.sampled_from((*SKUS, *SKUS, *SKUS, UNKNOWN))
SELLABLE = st.sampled_from((True, True, True, False))
CURRENCIES = st.sampled_from(("EUR", "EUR", "EUR", "USD"))


@dataclass
class Listing:
    """What the model knows of a product."""

    price: int
    currency: str
    limit: int
    sellable: bool


@dataclass
class Hold:
    """What the model knows of a checkout's reservation (``document`` is its 201 answer)."""

    customer: str
    wanted: dict[str, int]
    document: dict[str, Any]
    released: bool = False
    checked_out: bool = False

    @property
    def status(self) -> str:
        return "RELEASED" if self.released else "CHECKED_OUT" if self.checked_out else "RESERVED"


class CartMachine(IdempotentMachine):
    def __init__(self) -> None:
        super().__init__()
        self.products: dict[str, Listing] = {}
        self.holds: dict[str, Hold | None] = {}  # checkout -> its reservation; None = tombstone

    def sku(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    @initialize(prices=st.lists(st.integers(0, 5000), min_size=len(SKUS), max_size=len(SKUS)))
    def list_products(self, prices: list[int]) -> None:
        for name, price in zip(SKUS, prices, strict=True):
            self.put_product(name, price, "EUR", 4, True)

    @rule(
        name=st.sampled_from(SKUS),
        price=st.integers(0, 5000),
        currency=CURRENCIES,
        limit=st.integers(1, 4),
        sellable=SELLABLE,
    )
    def put_product(self, name: str, price: int, currency: str, limit: int, sellable: bool) -> None:
        sku = self.sku(name)
        body = {
            "name": f"Product {name}",
            "list_price": {"amount_minor": price, "currency": currency},
            "max_per_order": limit,
            "sellable": sellable,
        }
        response = self.http.put(f"/v1/products/{sku}", json=body)
        assert response.status_code == (200 if sku in self.products else 201), response.text
        self.products[sku] = Listing(price, currency, limit, sellable)

    @rule(
        number=st.integers(0, 3),
        variant=st.integers(0, 2),
        customer=st.sampled_from(CUSTOMERS),
        items=st.dictionaries(ITEM_NAMES, st.integers(1, 4), min_size=1, max_size=3),
    )
    def reserve(self, number: int, variant: int, customer: str, items: dict[str, int]) -> None:
        checkout = self.checkout(number)
        wanted = {self.sku(name): quantity for name, quantity in items.items()}
        body = {
            "checkout_id": checkout,
            "customer_id": customer,
            "items": [{"sku": s, "quantity": q} for s, q in wanted.items()],
        }
        response = self.send(f"{checkout}:reserve:{variant}", "POST", "/v1/reservations", body)
        if response is None:
            return
        code = response.json().get("code")
        listed = [self.products.get(sku) for sku in wanted]
        if checkout in self.holds:
            hold = self.holds[checkout]
            if hold is None or hold.released:
                assert (response.status_code, code) == (409, "RESERVATION_RELEASED")
            elif (hold.customer, hold.wanted) == (customer, wanted):
                assert response.status_code == 200, response.text
                assert response.json()["status"] == hold.status
                assert response.json()["items"] == hold.document["items"]
            else:
                assert (response.status_code, code) == (409, "RESERVATION_CONFLICT")
        elif any(listing is None for listing in listed):
            assert (response.status_code, code) == (422, "UNKNOWN_SKU")
        elif any(not self.products[sku].sellable for sku in wanted):
            assert (response.status_code, code) == (409, "ITEM_NOT_SELLABLE")
        elif any(self.products[sku].limit < quantity for sku, quantity in wanted.items()):
            assert (response.status_code, code) == (409, "QUANTITY_LIMIT_EXCEEDED")
        elif len({self.products[sku].currency for sku in wanted}) > 1:
            assert (response.status_code, code) == (409, "MIXED_CURRENCY")
        else:
            assert response.status_code == 201, response.text
            document = response.json()
            expected = sum(self.products[sku].price * quantity for sku, quantity in wanted.items())
            assert document["provisional_total"]["amount_minor"] == expected
            self.holds[checkout] = Hold(customer, wanted, document)

    @rule(number=st.integers(0, 3), variant=st.integers(0, 1))
    def release(self, number: int, variant: int) -> None:
        self.release_checkout(self.checkout(number), variant)

    @precondition(lambda self: bool(self.holding()))
    @rule(data=st.data(), variant=st.integers(0, 1))
    def release_a_holding_checkout(self, data: st.DataObject, variant: int) -> None:
        """Releases of checkouts that hold something, so that effective compensations are frequent."""
        self.release_checkout(data.draw(st.sampled_from(self.holding())), variant)

    def holding(self) -> list[str]:
        return sorted(c for c, hold in self.holds.items() if hold is not None and hold.status == "RESERVED")

    @rule(number=st.integers(0, 3), variant=st.integers(0, 1))
    def check_out(self, number: int, variant: int) -> None:
        self.check_out_checkout(self.checkout(number), variant)

    @precondition(lambda self: bool(self.holding()))
    @rule(data=st.data(), variant=st.integers(0, 1))
    def check_out_a_holding_checkout(self, data: st.DataObject, variant: int) -> None:
        self.check_out_checkout(data.draw(st.sampled_from(self.holding())), variant)

    def check_out_checkout(self, checkout: str, variant: int) -> None:
        response = self.send(
            f"{checkout}:check-out:{variant}", "POST", f"/v1/reservations/{checkout}/check-out", None
        )
        if response is None:
            return
        if checkout not in self.holds:
            assert (response.status_code, response.json()["code"]) == (404, "RESERVATION_NOT_FOUND")
            return
        assert response.status_code == 200, response.text
        hold = self.holds[checkout]
        expected = "ALREADY_RELEASED" if hold is None or hold.released else None
        if hold is not None and not hold.released:
            expected = "ALREADY_CHECKED_OUT" if hold.checked_out else "CHECKED_OUT"
            assert response.json()["items"] == hold.document["items"]
            hold.checked_out = True
        assert response.json()["outcome"] == expected

    def release_checkout(self, checkout: str, variant: int) -> None:
        response = self.send(
            f"{checkout}:release:{variant}", "POST", f"/v1/reservations/{checkout}/release", None
        )
        if response is None:
            return
        assert response.status_code == 200
        outcome = response.json()["outcome"]
        hold = self.holds.get(checkout)
        if checkout not in self.holds:
            assert outcome == "NOOP_NOTHING_TO_COMPENSATE"
            self.holds[checkout] = None
        elif hold is None or hold.released:
            assert outcome == "NOOP_ALREADY_COMPENSATED"
        else:
            assert outcome == "COMPENSATED"
            given_back = [] if hold.checked_out else hold.document["items"]
            assert response.json()["released"] == given_back
            hold.released = True

    @invariant()
    def released_reservations_hold_nothing(self) -> None:
        for sku in self.products:
            expected = sum(
                hold.wanted.get(sku, 0)
                for hold in self.holds.values()
                if hold is not None and hold.status == "RESERVED"
            )
            assert self.http.get(f"/v1/products/{sku}").json()["reserved_quantity"] == expected

    @invariant()
    def each_checkout_has_its_one_reservation_and_totals_add_up(self) -> None:
        for checkout, hold in self.holds.items():
            document = self.http.get(f"/v1/reservations/{checkout}").json()
            if hold is None:
                assert (document["status"], document["items"]) == ("RELEASED", [])
                continue
            assert document["status"] == hold.status
            assert document["items"] == hold.document["items"]
            for item in document["items"]:
                unit = item["unit_price"]["amount_minor"]
                assert item["line_total"]["amount_minor"] == unit * item["quantity"]
            total = sum(item["line_total"]["amount_minor"] for item in document["items"])
            assert document["provisional_total"]["amount_minor"] == total


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    database: Path = tmp_path_factory.mktemp("cart") / "cart.db"
    app = create_app(CartSettings(database_url=f"sqlite:///{database}"))
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


def test_any_interleaving_keeps_reservations_exact(http: httpx.Client) -> None:
    CartMachine.http = http
    run_state_machine_as_test(
        CartMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
