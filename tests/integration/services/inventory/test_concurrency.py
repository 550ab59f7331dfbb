"""Concurrent requests over real HTTP: no oversell, no double effect, no deadlock, on every backend.

Every request of a burst gets its own connection and waits on a barrier, so they reach the server
together; the server handles them on its worker threads, each with its own database transaction.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

from tests.integration.services.inventory.conftest import Inventory
from tests.integration.services.support import Call, burst
from tests.unit.services.support import unique


def allocation(checkout: str, items: list[tuple[str, int]], key: str) -> Call:
    body = {"checkout_id": checkout, "items": [{"sku": s, "quantity": q} for s, q in items]}
    return lambda client: client.post("/v1/allocations", json=body, headers={"Idempotency-Key": key})


def release(checkout: str, key: str) -> Call:
    return lambda client: client.post(f"/v1/allocations/{checkout}/release", headers={"Idempotency-Key": key})


class StockWatcher:
    """Reads a SKU's row over and over while a burst runs; remembers the lowest on-hand seen."""

    def __init__(self, inventory: Inventory, sku: str) -> None:
        self._inventory = inventory
        self._sku = sku
        self._stop = threading.Event()
        self.lowest: int | None = None
        self.unbalanced: list[dict[str, int]] = []
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.is_set():
            row = self._inventory.stock(self._sku)
            self.lowest = row["on_hand"] if self.lowest is None else min(self.lowest, row["on_hand"])
            if row["on_hand"] + row["allocated"] != row["received"]:
                self.unbalanced.append(row)
            time.sleep(0.002)

    def __enter__(self) -> StockWatcher:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def test_fifty_concurrent_allocations_against_ten_units_never_oversell(inventory: Inventory) -> None:
    sku = inventory.new_sku(10)
    checkouts = [unique("chk") for _ in range(50)]
    with StockWatcher(inventory, sku) as watcher:
        responses = burst(inventory, [allocation(c, [(sku, 1)], f"{c}:allocate") for c in checkouts])

    statuses = Counter(response.status_code for response in responses)
    assert statuses == {201: 10, 409: 40}, [r.text for r in responses if r.status_code not in (201, 409)]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"OUT_OF_STOCK"}
    row = inventory.stock(sku)
    assert (row["on_hand"], row["allocated"], row["received"]) == (0, 10, 10)
    assert watcher.lowest is not None
    assert watcher.lowest >= 0
    assert watcher.unbalanced == []
    winners = [c for c, r in zip(checkouts, responses, strict=True) if r.status_code == 201]
    assert all(len(inventory.events(c)) == 1 for c in winners)
    assert sum(len(inventory.events(c)) for c in checkouts) == 10


def test_concurrent_requests_with_one_key_do_the_work_once(inventory: Inventory) -> None:
    sku = inventory.new_sku(100)
    checkout = unique("chk")
    responses = burst(inventory, [allocation(checkout, [(sku, 3)], f"{checkout}:allocate")] * 20)
    assert {r.status_code for r in responses} == {201}
    assert len({r.text for r in responses}) == 1  # every caller sees the one stored first result
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 19
    assert inventory.stock(sku)["allocated"] == 3
    assert len(inventory.events(checkout)) == 1


def test_concurrent_requests_for_one_checkout_with_different_keys_allocate_once(inventory: Inventory) -> None:
    sku = inventory.new_sku(100)
    checkout = unique("chk")
    responses = burst(inventory, [allocation(checkout, [(sku, 4)], f"{checkout}:run-{n}") for n in range(20)])
    assert sorted(r.status_code for r in responses) == [200] * 19 + [201]
    assert inventory.stock(sku)["allocated"] == 4
    assert len(inventory.events(checkout)) == 1


def test_concurrent_releases_and_allocations_on_overlapping_skus_stay_balanced(inventory: Inventory) -> None:
    """Lines in opposite orders and releases racing allocations: no deadlock, no 5xx, no imbalance."""
    first, second = inventory.new_sku(20), inventory.new_sku(20)
    held = [unique("chk") for _ in range(10)]
    for checkout in held:
        assert inventory.allocate(checkout, [(first, 1), (second, 1)]).status_code == 201
    fresh = [unique("chk") for _ in range(20)]
    calls = [release(c, f"{c}:release") for c in held] + [
        allocation(c, [(first, 1), (second, 2)] if n % 2 else [(second, 2), (first, 1)], f"{c}:allocate")
        for n, c in enumerate(fresh)
    ]
    responses = burst(inventory, calls)
    assert all(r.status_code < 500 for r in responses), [r.text for r in responses if r.status_code >= 500]
    allocated = sum(r.status_code == 201 for r in responses[len(held) :])
    for sku, per_checkout in ((first, 1), (second, 2)):
        row = inventory.stock(sku)
        assert row["on_hand"] >= 0
        assert row["on_hand"] + row["allocated"] == row["received"] == 20
        assert row["allocated"] == per_checkout * allocated
    assert [r.json()["outcome"] for r in responses[: len(held)]] == ["COMPENSATED"] * len(held)


def test_a_release_racing_its_own_allocation_never_strands_stock(inventory: Inventory) -> None:
    """The saga's compensation can overtake a retried forward call of the same checkout.

    Whichever commits first, the checkout ends up holding nothing: either the allocation happened and
    the release gave it back (``COMPENSATED``), or the release came first, left its tombstone, and the
    allocation is refused (``ALLOCATION_RELEASED``). Never a 5xx, never stock left allocated.
    """
    sku = inventory.new_sku(100)
    checkouts = [unique("chk") for _ in range(10)]
    calls = []
    for checkout in checkouts:
        calls += [
            allocation(checkout, [(sku, 2)], f"{checkout}:allocate"),
            release(checkout, f"{checkout}:release"),
        ]
    responses = burst(inventory, calls)
    assert all(r.status_code < 500 for r in responses), [r.text for r in responses if r.status_code >= 500]
    for n, checkout in enumerate(checkouts):
        allocated, released = responses[2 * n], responses[2 * n + 1]
        outcome = released.json()["outcome"]
        if allocated.status_code == 201:
            assert outcome == "COMPENSATED"
            assert [e["event_type"] for e in inventory.events(checkout)] == [
                "StockAllocated",
                "StockReleased",
            ]
        else:
            assert (allocated.status_code, allocated.json()["code"]) == (409, "ALLOCATION_RELEASED")
            assert outcome == "NOOP_NOTHING_TO_COMPENSATE"
            assert inventory.events(checkout) == []
        assert [row["outcome"] for row in inventory.audit(checkout)] == [outcome]
    row = inventory.stock(sku)
    assert (row["on_hand"], row["allocated"], row["received"]) == (100, 0, 100)
