"""The inventory over HTTP, on every backend: stock, allocation, release, idempotency, errors."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from services.common import outbox as outbox_module
from services.common.migrations import head_revisions
from tests.integration.services.inventory.conftest import Inventory
from tests.unit.services.support import unique

PROBLEM = "application/problem+json"


def assert_balanced(inventory: Inventory, sku: str) -> dict[str, int]:
    row = inventory.stock(sku)
    assert row["on_hand"] >= 0
    assert row["on_hand"] + row["allocated"] == row["received"]
    return row


def test_health(inventory: Inventory) -> None:
    assert inventory.http.get("/health/live").json() == {"status": "ok"}
    ready = inventory.http.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {
        "database": "ok",
        "schema": sorted(head_revisions("services.inventory")),
    }


def test_put_stock_records_receipts_so_the_invariant_holds(inventory: Inventory) -> None:
    sku = unique("SKU")
    created = inventory.put_stock(sku, 5, "A-01")
    assert created.status_code == 201
    assert created.json() == {"sku": sku, "location": "A-01", "on_hand": 5, "allocated": 0, "received": 5}
    checkout = unique("chk")
    assert inventory.allocate(checkout, [(sku, 2)]).status_code == 201

    lowered = inventory.put_stock(sku, 1, "B-02")  # a count found fewer free units: a write-off of 2
    assert lowered.status_code == 200
    assert lowered.json() == {"sku": sku, "location": "B-02", "on_hand": 1, "allocated": 2, "received": 3}
    assert inventory.put_stock(sku, 1, "B-02").status_code == 200  # same values: no change, no event
    assert_balanced(inventory, sku)

    deltas = [event["payload"]["received_delta"] for event in inventory.sku_events(sku)]
    assert deltas == [5, -2]
    assert inventory.http.get(f"/v1/stock/{sku}").json()["on_hand"] == 1


def test_allocation_takes_every_line_and_writes_one_event(inventory: Inventory) -> None:
    first, second = inventory.new_sku(5, "A-01"), inventory.new_sku(3, "C-07")
    checkout = unique("chk")
    response = inventory.allocate(checkout, [(second, 3), (first, 2)])
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "ALLOCATED"
    assert sorted((i["sku"], i["quantity"], i["location"]) for i in body["items"]) == sorted(
        [(first, 2, "A-01"), (second, 3, "C-07")]
    )
    assert (inventory.stock(first)["on_hand"], inventory.stock(first)["allocated"]) == (3, 2)
    assert (inventory.stock(second)["on_hand"], inventory.stock(second)["allocated"]) == (0, 3)
    events = inventory.events(checkout)
    assert [(e["event_type"], e["schema_version"]) for e in events] == [("StockAllocated", 1)]
    assert events[0]["payload"]["checkout_id"] == checkout
    assert inventory.http.get(f"/v1/allocations/{checkout}").json()["items"] == body["items"]


def test_allocation_is_all_or_nothing(inventory: Inventory) -> None:
    plenty, scarce = inventory.new_sku(10), inventory.new_sku(1)
    checkout = unique("chk")
    response = inventory.allocate(checkout, [(plenty, 2), (scarce, 2)])
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["code"] == "OUT_OF_STOCK"
    assert problem["type"] == "urn:checkout-saga:problem:out-of-stock"
    assert problem["shortfalls"] == [{"sku": scarce, "requested": 2, "available": 1}]
    assert inventory.stock(plenty)["on_hand"] == 10
    assert inventory.stock(scarce)["on_hand"] == 1
    assert inventory.events(checkout) == []
    assert not inventory.has_allocation(checkout)
    assert inventory.http.get(f"/v1/allocations/{checkout}").status_code == 404


def test_unknown_sku_is_a_422_naming_the_line(inventory: Inventory) -> None:
    known = inventory.new_sku(5)
    missing = unique("NOPE")
    response = inventory.allocate(unique("chk"), [(known, 1), (missing, 1)])
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "UNKNOWN_SKU"
    assert problem["errors"] == [{"path": "items.1.sku", "message": f"unknown SKU {missing}"}]
    assert inventory.stock(known)["on_hand"] == 5


def test_retry_with_the_same_key_replays_without_a_second_effect(inventory: Inventory) -> None:
    sku = inventory.new_sku(5)
    checkout = unique("chk")
    first = inventory.allocate(checkout, [(sku, 2)], key=f"{checkout}:allocate")
    retry = inventory.allocate(checkout, [(sku, 2)], key=f"{checkout}:allocate")
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert inventory.stock(sku)["allocated"] == 2
    assert len(inventory.events(checkout)) == 1


def test_a_rejection_is_the_keys_first_result_too(inventory: Inventory) -> None:
    sku = inventory.new_sku(1)
    checkout = unique("chk")
    first = inventory.allocate(checkout, [(sku, 2)])
    assert first.json()["code"] == "OUT_OF_STOCK"
    inventory.put_stock(sku, 10)
    retry = inventory.allocate(checkout, [(sku, 2)])
    assert retry.status_code == 409
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    fresh = inventory.allocate(checkout, [(sku, 2)], key=f"{checkout}:allocate:2")
    assert fresh.status_code == 201  # a new key may try again: nothing was allocated the first time


def test_same_key_with_a_different_body_is_409_and_changes_nothing(inventory: Inventory) -> None:
    sku = inventory.new_sku(5)
    checkout = unique("chk")
    assert inventory.allocate(checkout, [(sku, 1)], key="shared-key-" + checkout).status_code == 201
    reused = inventory.allocate(checkout, [(sku, 3)], key="shared-key-" + checkout)
    assert reused.status_code == 409
    assert reused.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    other_endpoint = inventory.release(checkout, key="shared-key-" + checkout)
    assert other_endpoint.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert inventory.stock(sku)["allocated"] == 1


def test_a_second_allocation_for_the_checkout_has_no_second_effect(inventory: Inventory) -> None:
    sku = inventory.new_sku(5)
    checkout = unique("chk")
    first = inventory.allocate(checkout, [(sku, 2)], key="saga-run-1")
    again = inventory.allocate(checkout, [(sku, 2)], key="saga-run-2")
    assert again.status_code == 200
    assert again.json() == first.json()
    different = inventory.allocate(checkout, [(sku, 3)], key="saga-run-3")
    assert different.status_code == 409
    assert different.json()["code"] == "ALLOCATION_CONFLICT"
    assert inventory.stock(sku)["allocated"] == 2
    assert len(inventory.events(checkout)) == 1


def test_release_twice_is_one_effect_and_a_recorded_noop(inventory: Inventory) -> None:
    sku = inventory.new_sku(4, "D-04")
    checkout = unique("chk")
    inventory.allocate(checkout, [(sku, 3)])
    first = inventory.release(checkout, key=f"{checkout}:release")
    assert first.status_code == 200
    assert first.json() == {
        "checkout_id": checkout,
        "status": "RELEASED",
        "outcome": "COMPENSATED",
        "released": [{"sku": sku, "quantity": 3, "location": "D-04"}],
    }
    replay = inventory.release(checkout, key=f"{checkout}:release")
    assert replay.json() == first.json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    second = inventory.release(checkout, key=f"{checkout}:release:again")
    assert second.status_code == 200
    assert second.json()["outcome"] == "NOOP_ALREADY_COMPENSATED"
    assert second.json()["released"] == []

    assert assert_balanced(inventory, sku) == inventory.stock(sku)
    assert (inventory.stock(sku)["on_hand"], inventory.stock(sku)["allocated"]) == (4, 0)
    assert [e["event_type"] for e in inventory.events(checkout)] == ["StockAllocated", "StockReleased"]
    audit = inventory.audit(checkout)
    assert [(a["action"], a["outcome"]) for a in audit] == [
        ("inventory.release_stock", "COMPENSATED"),
        ("inventory.release_stock", "NOOP_ALREADY_COMPENSATED"),
    ]
    assert audit[0]["details"]["released"] == [{"sku": sku, "quantity": 3, "location": "D-04"}]
    assert inventory.http.get(f"/v1/allocations/{checkout}").json()["status"] == "RELEASED"


def test_release_without_allocation_is_a_recorded_noop_and_blocks_a_late_allocation(
    inventory: Inventory,
) -> None:
    sku = inventory.new_sku(2)
    checkout = unique("chk")
    released = inventory.release(checkout)
    assert released.status_code == 200
    assert released.json()["outcome"] == "NOOP_NOTHING_TO_COMPENSATE"
    assert [a["outcome"] for a in inventory.audit(checkout)] == ["NOOP_NOTHING_TO_COMPENSATE"]
    assert inventory.events(checkout) == []

    late = inventory.allocate(checkout, [(sku, 1)])
    assert late.status_code == 409
    assert late.json()["code"] == "ALLOCATION_RELEASED"
    assert inventory.stock(sku)["on_hand"] == 2


@pytest.mark.parametrize(
    ("body", "headers", "paths"),
    [
        ({"checkout_id": "c", "items": [{"sku": "S", "quantity": 1.5}]}, None, ["items.0.quantity"]),
        ({"checkout_id": "c", "items": [{"sku": "S", "quantity": 2.0}]}, None, ["items.0.quantity"]),
        ({"checkout_id": "c", "items": [{"sku": "S", "quantity": "2"}]}, None, ["items.0.quantity"]),
        ({"checkout_id": "c", "items": [{"sku": "S", "quantity": 0}]}, None, ["items.0.quantity"]),
        ({"checkout_id": "c", "items": []}, None, ["items"]),
        ({"checkout_id": "c"}, None, ["items"]),
        ({"checkout_id": "has space", "items": [{"sku": "S", "quantity": 1}]}, None, ["checkout_id"]),
        ({"checkout_id": "c", "items": [{"sku": "S", "quantity": 1}], "extra": 1}, None, ["extra"]),
        (
            {"checkout_id": "c", "items": [{"sku": "S", "quantity": 1}, {"sku": "S", "quantity": 1}]},
            None,
            ["items"],
        ),
        ({"checkout_id": "c", "items": [{"sku": "S", "quantity": 1}]}, {}, ["header.Idempotency-Key"]),
    ],
)
def test_invalid_input_is_422_with_paths_and_writes_nothing(
    inventory: Inventory, body: dict[str, object], headers: dict[str, str] | None, paths: list[str]
) -> None:
    sku = inventory.new_sku(5)
    checkout = unique("chk")
    body = {**body, "checkout_id": checkout if body.get("checkout_id") == "c" else body.get("checkout_id")}
    for item in body.get("items", []):  # type: ignore[attr-defined]
        item["sku"] = sku
    key = f"{checkout}:allocate"
    response = inventory.http.post(
        "/v1/allocations", json=body, headers={"Idempotency-Key": key} if headers is None else headers
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["code"] == "VALIDATION_FAILED"
    assert [error["path"] for error in problem["errors"]] == paths
    assert inventory.stock(sku)["on_hand"] == 5
    assert not inventory.has_key(key)
    assert not inventory.has_allocation(checkout)
    assert inventory.events(checkout) == []


def test_put_stock_refuses_negative_and_float_quantities(inventory: Inventory) -> None:
    sku = unique("SKU")
    for on_hand in (-1, 1.5, "3", None):
        response = inventory.http.put(f"/v1/stock/{sku}", json={"on_hand": on_hand, "location": "A"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["path"] == "on_hand"
    assert inventory.http.get(f"/v1/stock/{sku}").json()["code"] == "UNKNOWN_SKU"


def test_the_outbox_row_commits_with_the_change_or_neither_does(
    inventory: Inventory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An event that cannot be written takes the state change down with it: same transaction."""
    sku = inventory.new_sku(5)
    checkout = unique("chk")
    original = outbox_module.OutboxWriter.add

    def add_then_fail(self: outbox_module.OutboxWriter, event: outbox_module.DomainEvent) -> object:
        original(self, event)
        raise RuntimeError("the outbox write failed")

    monkeypatch.setattr(outbox_module.OutboxWriter, "add", add_then_fail)
    failed = inventory.allocate(checkout, [(sku, 2)])
    assert failed.status_code == 500
    assert failed.json()["code"] == "INTERNAL_ERROR"
    assert "outbox" not in failed.text  # no internals in the body
    assert inventory.stock(sku)["allocated"] == 0
    assert inventory.events(checkout) == []
    assert not inventory.has_key(f"{checkout}:allocate")  # technical failure: nothing stored

    monkeypatch.undo()
    retried = inventory.allocate(checkout, [(sku, 2)])  # safe to retry with the same key
    assert retried.status_code == 201
    assert inventory.stock(sku)["allocated"] == 2
    assert len(inventory.events(checkout)) == 1


def test_unknown_routes_and_reads_answer_problems(inventory: Inventory) -> None:
    missing = inventory.http.get(f"/v1/allocations/{unique('chk')}")
    assert missing.status_code == 404
    assert missing.json()["code"] == "ALLOCATION_NOT_FOUND"
    nowhere = inventory.http.get("/v1/nowhere")
    assert (nowhere.status_code, nowhere.json()["code"]) == (404, "NOT_FOUND")
    assert nowhere.headers["content-type"] == PROBLEM
    wrong_method = inventory.http.delete("/v1/allocations")
    assert (wrong_method.status_code, wrong_method.json()["code"]) == (405, "METHOD_NOT_ALLOWED")


def test_stock_counters_are_64_bit_wherever_the_database_tells_sizes_apart(inventory: Inventory) -> None:
    columns = {c["name"]: c["type"] for c in inspect(inventory.db).get_columns("stock")}

    for name in ("on_hand", "allocated", "received"):
        expected = "INTEGER" if inventory.backend == "sqlite" else "BIGINT"
        assert columns[name].compile(dialect=inventory.db.dialect).startswith(expected), name
