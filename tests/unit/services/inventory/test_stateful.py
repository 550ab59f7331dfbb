"""Property: any interleaving of allocations, retries, releases and stock settings keeps the books.

A hypothesis state machine drives a real inventory over HTTP (SQLite) and keeps a model of what every
answer must be: new keys do the work at most once per checkout, reused keys replay their first answer
(or 409 when the body changed), releases give back exactly what was held. After every step, for every
SKU: ``on_hand + allocated == received``, ``on_hand >= 0``, and the numbers equal the model's.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule, run_state_machine_as_test

from services.inventory.entrypoints.app import create_app
from services.inventory.settings import InventorySettings
from tests.unit.services.support import IdempotentMachine, LiveServer

SKUS = ("A", "B", "C")
UNKNOWN = "Z"


class InventoryMachine(IdempotentMachine):
    def __init__(self) -> None:
        super().__init__()
        self.stock: dict[str, list[int]] = {}  # sku -> [on_hand, allocated, received]
        self.holds: dict[str, dict[str, int] | None] = {}  # checkout -> held items; None = released

    def sku(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    @initialize(levels=st.lists(st.integers(0, 6), min_size=len(SKUS), max_size=len(SKUS)))
    def stock_up(self, levels: list[int]) -> None:
        for name, on_hand in zip(SKUS, levels, strict=True):
            self.set_stock(name, on_hand)

    @rule(name=st.sampled_from(SKUS), on_hand=st.integers(0, 6))
    def set_stock(self, name: str, on_hand: int) -> None:
        sku = self.sku(name)
        response = self.http.put(f"/v1/stock/{sku}", json={"on_hand": on_hand, "location": "L1"})
        assert response.status_code in (200, 201)
        level = self.stock.setdefault(sku, [0, 0, 0])
        level[2] += on_hand - level[0]
        level[0] = on_hand

    @rule(
        number=st.integers(0, 3),
        variant=st.integers(0, 2),
        items=st.dictionaries(st.sampled_from((*SKUS, UNKNOWN)), st.integers(1, 4), min_size=1, max_size=3),
    )
    def allocate(self, number: int, variant: int, items: dict[str, int]) -> None:
        checkout = self.checkout(number)
        wanted = {self.sku(name): quantity for name, quantity in items.items()}
        body = {"checkout_id": checkout, "items": [{"sku": s, "quantity": q} for s, q in wanted.items()]}
        response = self.send(f"{checkout}:allocate:{variant}", "POST", "/v1/allocations", body)
        if response is None:
            return
        code = response.json().get("code")
        if checkout in self.holds:
            held = self.holds[checkout]
            if held is None:
                assert (response.status_code, code) == (409, "ALLOCATION_RELEASED")
            elif held == wanted:
                assert response.status_code == 200
            else:
                assert (response.status_code, code) == (409, "ALLOCATION_CONFLICT")
        elif any(sku not in self.stock for sku in wanted):
            assert (response.status_code, code) == (422, "UNKNOWN_SKU")
        elif any(self.stock[sku][0] < quantity for sku, quantity in wanted.items()):
            assert (response.status_code, code) == (409, "OUT_OF_STOCK")
        else:
            assert response.status_code == 201, response.text
            self.holds[checkout] = wanted
            for sku, quantity in wanted.items():
                self.stock[sku][0] -= quantity
                self.stock[sku][1] += quantity

    @rule(number=st.integers(0, 3), variant=st.integers(0, 1))
    def release(self, number: int, variant: int) -> None:
        checkout = self.checkout(number)
        response = self.send(
            f"{checkout}:release:{variant}", "POST", f"/v1/allocations/{checkout}/release", None
        )
        if response is None:
            return
        assert response.status_code == 200
        outcome = response.json()["outcome"]
        if checkout not in self.holds:
            assert outcome == "NOOP_NOTHING_TO_COMPENSATE"
        elif self.holds[checkout] is None:
            assert outcome == "NOOP_ALREADY_COMPENSATED"
        else:
            assert outcome == "COMPENSATED"
            for sku, quantity in (self.holds[checkout] or {}).items():
                self.stock[sku][0] += quantity
                self.stock[sku][1] -= quantity
        self.holds[checkout] = None

    @invariant()
    def books_balance(self) -> None:
        for sku, (on_hand, allocated, received) in self.stock.items():
            actual = self.http.get(f"/v1/stock/{sku}").json()
            assert actual["on_hand"] >= 0
            assert actual["on_hand"] + actual["allocated"] == actual["received"]
            assert (actual["on_hand"], actual["allocated"], actual["received"]) == (
                on_hand,
                allocated,
                received,
            )


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    database: Path = tmp_path_factory.mktemp("inventory") / "inventory.db"
    app = create_app(InventorySettings(database_url=f"sqlite:///{database}"))
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


def test_any_interleaving_keeps_stock_balanced(http: httpx.Client) -> None:
    InventoryMachine.http = http
    run_state_machine_as_test(
        InventoryMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
