"""The cart over HTTP, on SQLite and PostgreSQL: catalogue, reservation, release, idempotency, errors."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import inspect

from services.common import outbox as outbox_module
from services.common.migrations import head_revisions
from tests.integration.services.cart.conftest import Cart
from tests.unit.services.support import unique

PROBLEM = "application/problem+json"


def money(amount_minor: int, currency: str = "EUR") -> dict[str, Any]:
    return {"amount_minor": amount_minor, "currency": currency}


def assert_nothing_reserved(cart: Cart, checkout: str, skus: list[str], key: str) -> None:
    """A refused reservation wrote no reservation, no holding and no event (its key stores the answer)."""
    assert not cart.has_reservation(checkout)
    assert all(cart.reserved(sku) == 0 for sku in skus)
    assert cart.events(checkout) == []
    assert cart.http.get(f"/v1/reservations/{checkout}").status_code == 404
    assert cart.has_key(key)


def test_health(cart: Cart) -> None:
    assert cart.http.get("/health/live").json() == {"status": "ok"}
    ready = cart.http.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "schema": sorted(head_revisions("services.cart"))}


def test_put_product_creates_then_replaces_with_an_event_only_on_change(cart: Cart) -> None:
    sku = unique("SKU")
    created = cart.put_product(sku, 1999)
    assert created.status_code == 201
    assert created.json() == {
        "sku": sku,
        "name": f"Product {sku}",
        "list_price": money(1999),
        "max_per_order": 10,
        "sellable": True,
        "reserved_quantity": 0,
    }
    assert cart.put_product(sku, 1999).status_code == 200  # same description: no change, no event
    replaced = cart.put_product(sku, 2499, max_per_order=3, sellable=False)
    assert replaced.status_code == 200
    assert replaced.json()["list_price"] == money(2499)
    assert (replaced.json()["max_per_order"], replaced.json()["sellable"]) == (3, False)
    assert cart.http.get(f"/v1/products/{sku}").json() == replaced.json()

    events = cart.sku_events(sku)
    assert [(e["event_type"], e["schema_version"], e["checkout_id"]) for e in events] == [
        ("ProductUpdated", 1, None),
        ("ProductUpdated", 1, None),
    ]
    assert [(e["payload"]["list_price"], e["payload"]["created"]) for e in events] == [
        (money(1999), True),
        (money(2499), False),
    ]


def test_reservation_prices_every_item_and_writes_one_event(cart: Cart) -> None:
    mug, beans = cart.new_sku(500), cart.new_sku(2490)
    checkout = unique("chk")
    response = cart.reserve(checkout, [(beans, 2), (mug, 3)], customer_id="cust-7")
    assert response.status_code == 201
    body = response.json()
    assert (body["checkout_id"], body["customer_id"], body["status"]) == (checkout, "cust-7", "RESERVED")
    assert sorted(body["items"], key=lambda item: item["unit_price"]["amount_minor"]) == [
        {
            "sku": mug,
            "name": f"Product {mug}",
            "quantity": 3,
            "unit_price": money(500),
            "line_total": money(1500),
        },
        {
            "sku": beans,
            "name": f"Product {beans}",
            "quantity": 2,
            "unit_price": money(2490),
            "line_total": money(4980),
        },
    ]
    assert body["provisional_total"] == money(6480)
    assert body["reserved_at"] is not None
    assert body["released_at"] is None
    assert (cart.reserved(mug), cart.reserved(beans)) == (3, 2)
    assert cart.http.get(f"/v1/products/{mug}").json()["reserved_quantity"] == 3

    events = cart.events(checkout)
    assert [(e["event_type"], e["schema_version"]) for e in events] == [("CartReserved", 1)]
    assert events[0]["payload"]["provisional_total"] == money(6480)
    assert events[0]["payload"]["items"] == body["items"]
    assert cart.http.get(f"/v1/reservations/{checkout}").json() == body


def test_a_price_change_leaves_existing_reservations_as_they_were(cart: Cart) -> None:
    sku = cart.new_sku(1000)
    checkout = unique("chk")
    first = cart.reserve(checkout, [(sku, 2)], key="run-1-" + checkout)
    cart.put_product(sku, 1500)
    again = cart.reserve(checkout, [(sku, 2)], key="run-2-" + checkout)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.json()["provisional_total"] == money(2000)
    assert cart.reserved(sku) == 2


def test_unknown_sku_is_a_422_naming_the_line_and_writes_nothing(cart: Cart) -> None:
    known, missing = cart.new_sku(), unique("NOPE")
    checkout = unique("chk")
    response = cart.reserve(checkout, [(known, 1), (missing, 1)])
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert (problem["code"], problem["type"]) == ("UNKNOWN_SKU", "urn:checkout-saga:problem:unknown-sku")
    assert problem["errors"] == [{"path": "items.1.sku", "message": f"unknown SKU {missing}"}]
    assert_nothing_reserved(cart, checkout, [known], f"{checkout}:reserve")


def test_a_product_no_longer_sold_is_a_409_listing_it_and_writes_nothing(cart: Cart) -> None:
    sold, retired = cart.new_sku(), cart.new_sku(sellable=False)
    checkout = unique("chk")
    response = cart.reserve(checkout, [(sold, 1), (retired, 1)])
    assert response.status_code == 409
    problem = response.json()
    assert (problem["code"], problem["skus"]) == ("ITEM_NOT_SELLABLE", [retired])
    assert_nothing_reserved(cart, checkout, [sold, retired], f"{checkout}:reserve")


def test_a_line_over_the_per_order_limit_is_a_409_and_writes_nothing(cart: Cart) -> None:
    limited, plenty = cart.new_sku(max_per_order=2), cart.new_sku(max_per_order=1000)
    checkout = unique("chk")
    response = cart.reserve(checkout, [(plenty, 1000), (limited, 3)])
    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "QUANTITY_LIMIT_EXCEEDED"
    assert problem["exceeded"] == [{"sku": limited, "requested": 3, "limit": 2}]
    assert_nothing_reserved(cart, checkout, [limited, plenty], f"{checkout}:reserve")


def test_products_in_two_currencies_are_a_409_and_write_nothing(cart: Cart) -> None:
    euro, dollar = cart.new_sku(100, "EUR"), cart.new_sku(100, "USD")
    checkout = unique("chk")
    response = cart.reserve(checkout, [(euro, 1), (dollar, 1)])
    assert response.status_code == 409
    problem = response.json()
    assert (problem["code"], problem["currencies"]) == ("MIXED_CURRENCY", ["EUR", "USD"])
    assert_nothing_reserved(cart, checkout, [euro, dollar], f"{checkout}:reserve")


def test_retry_with_the_same_key_replays_without_a_second_effect(cart: Cart) -> None:
    sku = cart.new_sku()
    checkout = unique("chk")
    first = cart.reserve(checkout, [(sku, 2)])
    retry = cart.reserve(checkout, [(sku, 2)])
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert cart.reserved(sku) == 2
    assert len(cart.events(checkout)) == 1


def test_a_rejection_is_the_keys_first_result_too(cart: Cart) -> None:
    sku = cart.new_sku(sellable=False)
    checkout = unique("chk")
    first = cart.reserve(checkout, [(sku, 1)])
    assert first.json()["code"] == "ITEM_NOT_SELLABLE"
    cart.put_product(sku, sellable=True)
    retry = cart.reserve(checkout, [(sku, 1)])
    assert retry.status_code == 409
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    fresh = cart.reserve(checkout, [(sku, 1)], key=f"{checkout}:reserve:2")
    assert fresh.status_code == 201  # a new key may try again: nothing was reserved the first time


def test_same_key_with_a_different_body_is_409_and_changes_nothing(cart: Cart) -> None:
    sku = cart.new_sku()
    checkout = unique("chk")
    key = "shared-key-" + checkout
    assert cart.reserve(checkout, [(sku, 1)], key=key).status_code == 201
    reused = cart.reserve(checkout, [(sku, 3)], key=key)
    assert (reused.status_code, reused.json()["code"]) == (409, "IDEMPOTENCY_KEY_REUSED")
    other_endpoint = cart.release(checkout, key=key)
    assert (other_endpoint.status_code, other_endpoint.json()["code"]) == (409, "IDEMPOTENCY_KEY_REUSED")
    assert cart.reserved(sku) == 1
    assert cart.audit(checkout) == []


def test_a_second_reservation_for_the_checkout_has_no_second_effect(cart: Cart) -> None:
    sku = cart.new_sku()
    checkout = unique("chk")
    first = cart.reserve(checkout, [(sku, 2)], key="saga-run-1-" + checkout)
    again = cart.reserve(checkout, [(sku, 2)], key="saga-run-2-" + checkout)
    assert again.status_code == 200
    assert again.json() == first.json()
    other_items = cart.reserve(checkout, [(sku, 3)], key="saga-run-3-" + checkout)
    assert (other_items.status_code, other_items.json()["code"]) == (409, "RESERVATION_CONFLICT")
    other_customer = cart.reserve(checkout, [(sku, 2)], key="saga-run-4-" + checkout, customer_id="cust-2")
    assert (other_customer.status_code, other_customer.json()["code"]) == (409, "RESERVATION_CONFLICT")
    assert cart.reserved(sku) == 2
    assert len(cart.events(checkout)) == 1


def test_release_twice_is_one_effect_and_a_recorded_noop(cart: Cart) -> None:
    sku = cart.new_sku(700)
    checkout = unique("chk")
    reserved = cart.reserve(checkout, [(sku, 3)]).json()
    first = cart.release(checkout)
    assert first.status_code == 200
    assert first.json() == {
        "checkout_id": checkout,
        "status": "RELEASED",
        "outcome": "COMPENSATED",
        "released": reserved["items"],
    }
    replay = cart.release(checkout)
    assert replay.json() == first.json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    second = cart.release(checkout, key=f"{checkout}:release:again")
    assert second.status_code == 200
    assert (second.json()["outcome"], second.json()["released"]) == ("NOOP_ALREADY_COMPENSATED", [])

    assert cart.reserved(sku) == 0
    assert [e["event_type"] for e in cart.events(checkout)] == ["CartReserved", "CartReleased"]
    assert cart.events(checkout)[1]["payload"] == {"checkout_id": checkout, "items": reserved["items"]}
    audit = cart.audit(checkout)
    assert [(a["action"], a["outcome"]) for a in audit] == [
        ("cart.release_reservation", "COMPENSATED"),
        ("cart.release_reservation", "NOOP_ALREADY_COMPENSATED"),
    ]
    assert audit[0]["details"] == {"idempotency_key": f"{checkout}:release", "released": reserved["items"]}
    document = cart.http.get(f"/v1/reservations/{checkout}").json()
    assert (document["status"], document["items"]) == ("RELEASED", reserved["items"])
    assert document["released_at"] is not None

    late = cart.reserve(checkout, [(sku, 3)], key=f"{checkout}:reserve:again")
    assert (late.status_code, late.json()["code"]) == (409, "RESERVATION_RELEASED")
    assert cart.reserved(sku) == 0


def test_release_without_reservation_is_a_recorded_noop_and_blocks_a_late_reservation(cart: Cart) -> None:
    sku = cart.new_sku()
    checkout = unique("chk")
    released = cart.release(checkout)
    assert released.status_code == 200
    assert released.json() == {
        "checkout_id": checkout,
        "status": "RELEASED",
        "outcome": "NOOP_NOTHING_TO_COMPENSATE",
        "released": [],
    }
    assert [a["outcome"] for a in cart.audit(checkout)] == ["NOOP_NOTHING_TO_COMPENSATE"]
    assert cart.events(checkout) == []
    tombstone = cart.http.get(f"/v1/reservations/{checkout}").json()
    assert tombstone["status"] == "RELEASED"
    assert (tombstone["customer_id"], tombstone["items"], tombstone["provisional_total"]) == (None, [], None)

    late = cart.reserve(checkout, [(sku, 1)])
    assert (late.status_code, late.json()["code"]) == (409, "RESERVATION_RELEASED")
    assert cart.reserved(sku) == 0
    assert cart.events(checkout) == []


def test_check_out_gives_back_the_units_once_and_writes_one_event(cart: Cart) -> None:
    sku = cart.new_sku(700)
    checkout = unique("chk")
    reserved = cart.reserve(checkout, [(sku, 3)]).json()
    first = cart.check_out(checkout)
    assert first.status_code == 200
    assert first.json() == {
        "checkout_id": checkout,
        "status": "CHECKED_OUT",
        "outcome": "CHECKED_OUT",
        "items": reserved["items"],
    }
    replay = cart.check_out(checkout)
    assert (replay.json(), replay.headers["Idempotent-Replayed"]) == (first.json(), "true")
    second = cart.check_out(checkout, key=f"{checkout}:check-out:again")
    assert (second.status_code, second.json()["outcome"]) == (200, "ALREADY_CHECKED_OUT")

    assert cart.reserved(sku) == 0
    assert [e["event_type"] for e in cart.events(checkout)] == ["CartReserved", "CartCheckedOut"]
    assert cart.events(checkout)[1]["payload"] == {"checkout_id": checkout, "items": reserved["items"]}
    document = cart.http.get(f"/v1/reservations/{checkout}").json()
    assert (document["status"], document["items"]) == ("CHECKED_OUT", reserved["items"])
    assert document["checked_out_at"] is not None
    assert document["released_at"] is None


def test_a_retried_reservation_of_a_checked_out_checkout_holds_nothing_again(cart: Cart) -> None:
    sku = cart.new_sku()
    checkout = unique("chk")
    cart.reserve(checkout, [(sku, 2)])
    cart.check_out(checkout)
    retried = cart.reserve(checkout, [(sku, 2)], key=f"{checkout}:reserve:again")
    assert (retried.status_code, retried.json()["status"]) == (200, "CHECKED_OUT")
    assert cart.reserved(sku) == 0


def test_releasing_a_checked_out_reservation_gives_back_nothing_more(cart: Cart) -> None:
    sku = cart.new_sku()
    checkout, other = unique("chk"), unique("chk")
    cart.reserve(other, [(sku, 1)])
    cart.reserve(checkout, [(sku, 2)])
    cart.check_out(checkout)
    released = cart.release(checkout)
    assert released.status_code == 200
    assert (released.json()["outcome"], released.json()["released"]) == ("COMPENSATED", [])
    assert cart.reserved(sku) == 1, "only the other checkout's unit is held"
    assert cart.http.get(f"/v1/reservations/{checkout}").json()["status"] == "RELEASED"
    events = cart.events(checkout)
    assert [e["event_type"] for e in events] == ["CartReserved", "CartCheckedOut", "CartReleased"]
    assert events[2]["payload"] == {"checkout_id": checkout, "items": []}


def test_a_released_reservation_is_not_checked_out(cart: Cart) -> None:
    sku = cart.new_sku()
    checkout = unique("chk")
    cart.reserve(checkout, [(sku, 2)])
    cart.release(checkout)
    checked_out = cart.check_out(checkout)
    assert (checked_out.status_code, checked_out.json()["outcome"]) == (200, "ALREADY_RELEASED")
    assert checked_out.json()["status"] == "RELEASED"
    assert cart.reserved(sku) == 0
    assert [e["event_type"] for e in cart.events(checkout)] == ["CartReserved", "CartReleased"]


def test_checking_out_a_checkout_that_reserved_nothing_is_a_404_and_writes_nothing(cart: Cart) -> None:
    checkout = unique("chk")
    response = cart.check_out(checkout)
    assert (response.status_code, response.headers["content-type"]) == (404, PROBLEM)
    assert response.json()["code"] == "RESERVATION_NOT_FOUND"
    assert not cart.has_reservation(checkout)
    assert cart.events(checkout) == []


ITEM = {"sku": "S", "quantity": 1}


@pytest.mark.parametrize(
    ("body", "headers", "paths"),
    [
        ({"items": [{"sku": "S", "quantity": 1.5}]}, None, ["items.0.quantity"]),
        ({"items": [{"sku": "S", "quantity": 2.0}]}, None, ["items.0.quantity"]),
        ({"items": [{"sku": "S", "quantity": "2"}]}, None, ["items.0.quantity"]),
        ({"items": [{"sku": "S", "quantity": 0}]}, None, ["items.0.quantity"]),
        ({"items": [{"sku": "S", "quantity": 1001}]}, None, ["items.0.quantity"]),
        ({"items": []}, None, ["items"]),
        ({}, None, ["items"]),
        ({"items": [ITEM], "customer_id": None}, None, ["customer_id"]),
        ({"items": [ITEM], "customer_id": "has space"}, None, ["customer_id"]),
        ({"items": [ITEM], "checkout_id": "has space"}, None, ["checkout_id"]),
        ({"items": [ITEM], "extra": 1}, None, ["extra"]),
        ({"items": [ITEM, ITEM]}, None, ["items"]),
        ({"items": [ITEM]}, {}, ["header.Idempotency-Key"]),
        ({"items": [ITEM]}, {"Idempotency-Key": "has space"}, ["header.Idempotency-Key"]),
    ],
)
def test_invalid_input_is_422_with_paths_and_writes_nothing(
    cart: Cart, body: dict[str, Any], headers: dict[str, str] | None, paths: list[str]
) -> None:
    sku = cart.new_sku()
    checkout = unique("chk")
    document = {"checkout_id": checkout, "customer_id": "cust-1", **body}
    if "items" in document:
        document["items"] = [{**item, "sku": sku} for item in document["items"]]
    key = f"{checkout}:reserve"
    response = cart.http.post(
        "/v1/reservations", json=document, headers={"Idempotency-Key": key} if headers is None else headers
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["code"] == "VALIDATION_FAILED"
    assert [error["path"] for error in problem["errors"]] == paths
    assert cart.reserved(sku) == 0
    assert not cart.has_key(key)
    assert not cart.has_reservation(checkout)
    assert cart.events(checkout) == []


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"name": ""}, "name"),
        ({"list_price": {"amount_minor": 19.99, "currency": "EUR"}}, "list_price.amount_minor"),
        ({"list_price": {"amount_minor": "1999", "currency": "EUR"}}, "list_price.amount_minor"),
        ({"list_price": {"amount_minor": -1, "currency": "EUR"}}, "list_price.amount_minor"),
        ({"list_price": {"amount_minor": 10_000_000_001, "currency": "EUR"}}, "list_price.amount_minor"),
        ({"list_price": {"amount_minor": 100, "currency": "eur"}}, "list_price.currency"),
        ({"list_price": {"amount_minor": 100, "currency": "XXX"}}, "list_price.currency"),
        ({"max_per_order": 0}, "max_per_order"),
        ({"max_per_order": 1001}, "max_per_order"),
        ({"sellable": "yes"}, "sellable"),
        ({"stock": 5}, "stock"),
    ],
)
def test_put_product_refuses_invalid_descriptions(cart: Cart, change: dict[str, Any], path: str) -> None:
    sku = unique("SKU")
    body = {"name": "Mug", "list_price": {"amount_minor": 100, "currency": "EUR"}, **change}
    response = cart.http.put(f"/v1/products/{sku}", json=body)
    assert response.status_code == 422
    assert [error["path"] for error in response.json()["errors"]] == [path]
    missing = cart.http.get(f"/v1/products/{sku}")
    assert (missing.status_code, missing.json()["code"]) == (404, "UNKNOWN_SKU")
    assert cart.sku_events(sku) == []


def test_the_outbox_row_commits_with_the_change_or_neither_does(
    cart: Cart, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An event that cannot be written takes the state change down with it: same transaction."""
    sku = cart.new_sku()
    checkout = unique("chk")
    original = outbox_module.OutboxWriter.add

    def add_then_fail(self: outbox_module.OutboxWriter, event: outbox_module.DomainEvent) -> object:
        original(self, event)
        raise RuntimeError("the outbox write failed")

    monkeypatch.setattr(outbox_module.OutboxWriter, "add", add_then_fail)
    failed = cart.reserve(checkout, [(sku, 2)])
    assert (failed.status_code, failed.json()["code"]) == (500, "INTERNAL_ERROR")
    assert "outbox" not in failed.text  # no internals in the body
    assert cart.reserved(sku) == 0
    assert not cart.has_reservation(checkout)
    assert cart.events(checkout) == []
    assert not cart.has_key(f"{checkout}:reserve")  # technical failure: nothing stored

    monkeypatch.undo()
    retried = cart.reserve(checkout, [(sku, 2)])  # safe to retry with the same key
    assert retried.status_code == 201
    assert cart.reserved(sku) == 2
    assert len(cart.events(checkout)) == 1


def test_the_audit_row_commits_with_the_release_or_neither_does(
    cart: Cart, monkeypatch: pytest.MonkeyPatch
) -> None:
    sku = cart.new_sku()
    checkout = unique("chk")
    assert cart.reserve(checkout, [(sku, 2)]).status_code == 201

    def fail(*_: object, **__: object) -> None:
        raise RuntimeError("the audit write failed")

    monkeypatch.setattr("services.common.audit.AuditLog.record", fail)
    assert cart.release(checkout).status_code == 500
    assert cart.reserved(sku) == 2
    assert [e["event_type"] for e in cart.events(checkout)] == ["CartReserved"]

    monkeypatch.undo()
    assert cart.release(checkout).json()["outcome"] == "COMPENSATED"
    assert cart.reserved(sku) == 0
    assert [a["outcome"] for a in cart.audit(checkout)] == ["COMPENSATED"]


def test_unknown_routes_and_reads_answer_problems(cart: Cart) -> None:
    missing = cart.http.get(f"/v1/reservations/{unique('chk')}")
    assert (missing.status_code, missing.json()["code"]) == (404, "RESERVATION_NOT_FOUND")
    assert missing.headers["content-type"] == PROBLEM
    product = cart.http.get(f"/v1/products/{unique('SKU')}")
    assert (product.status_code, product.json()["code"]) == (404, "UNKNOWN_SKU")
    nowhere = cart.http.get("/v1/nowhere")
    assert (nowhere.status_code, nowhere.json()["code"]) == (404, "NOT_FOUND")
    wrong_method = cart.http.delete("/v1/reservations")
    assert (wrong_method.status_code, wrong_method.json()["code"]) == (405, "METHOD_NOT_ALLOWED")


def test_amounts_and_counters_are_64_bit_wherever_the_database_tells_sizes_apart(cart: Cart) -> None:
    expected = "INTEGER" if cart.backend == "sqlite" else "BIGINT"
    for table, names in (
        ("products", ("list_price_minor", "reserved_quantity")),
        ("reservation_lines", ("unit_price_minor",)),
    ):
        columns = {c["name"]: c["type"] for c in inspect(cart.db).get_columns(table)}
        for name in names:
            assert columns[name].compile(dialect=cart.db.dialect).startswith(expected), name
