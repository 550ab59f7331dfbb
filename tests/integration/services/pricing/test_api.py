"""Pricing over HTTP on SQLite and PostgreSQL(+Redis): catalogue, quotes, voids, idempotency, errors."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import inspect

from services.common import outbox as outbox_module
from services.common.migrations import head_revisions
from tests.integration.services.pricing.conftest import Pricing, money
from tests.unit.services.support import unique

PROBLEM = "application/problem+json"
SEEDED = {"EU-DE": 1900, "EU-FR": 2000, "EU-NL": 2100, "UK": 2000, "US-CA": 725, "US-NY": 400}


def assert_nothing_written(pricing: Pricing, checkout: str, key: str, promo: str | None = None) -> None:
    """A refused quote wrote no quote, no event and took no redemption (its key stores the answer)."""
    assert not pricing.has_quote(checkout)
    assert pricing.events(checkout) == []
    assert pricing.http.get(f"/v1/quotes/{checkout}").status_code == 404
    assert pricing.has_key(key)
    if promo is not None:
        assert pricing.redemptions(promo) == 0


def test_health(pricing: Pricing) -> None:
    assert pricing.http.get("/health/live").json() == {"status": "ok"}
    ready = pricing.http.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "schema": sorted(head_revisions("services.pricing"))}


def test_the_initial_migration_seeds_the_documented_tax_rates(pricing: Pricing) -> None:
    for region, rate_bp in SEEDED.items():
        assert pricing.http.get(f"/v1/tax-rates/{region}").json() == {"region": region, "rate_bp": rate_bp}
    missing = pricing.http.get("/v1/tax-rates/XX-9")
    assert (missing.status_code, missing.json()["code"]) == (404, "UNSUPPORTED_REGION")


def test_put_price_creates_then_changes_with_an_event_only_on_change(pricing: Pricing) -> None:
    sku = unique("SKU")
    created = pricing.put_price(sku, 1999)
    assert created.status_code == 201
    assert created.json() == {"sku": sku, "unit_price": money(1999)}
    assert pricing.put_price(sku, 1999).status_code == 200  # same price: no change, no event
    assert pricing.put_price(sku, 2499).status_code == 200
    assert pricing.http.get(f"/v1/prices/{sku}").json() == {"sku": sku, "unit_price": money(2499)}
    events = pricing.admin_events("PriceChanged", sku=sku)
    assert [
        (e["schema_version"], e["payload"]["unit_price"], e["payload"]["previous_unit_price"]) for e in events
    ] == [
        (1, money(1999), None),
        (1, money(2499), money(1999)),
    ]
    missing = pricing.http.get(f"/v1/prices/{unique('NOPE')}")
    assert (missing.status_code, missing.json()["code"]) == (404, "UNKNOWN_SKU")


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"unit_price": {"amount_minor": 19.99, "currency": "EUR"}}, "unit_price.amount_minor"),
        ({"unit_price": {"amount_minor": "1999", "currency": "EUR"}}, "unit_price.amount_minor"),
        ({"unit_price": {"amount_minor": -1, "currency": "EUR"}}, "unit_price.amount_minor"),
        ({"unit_price": {"amount_minor": 10_000_000_001, "currency": "EUR"}}, "unit_price.amount_minor"),
        ({"unit_price": {"amount_minor": 1, "currency": "EUX"}}, "unit_price.currency"),
        ({"unit_price": 1999}, "unit_price"),
    ],
)
def test_put_price_refuses_anything_but_integer_minor_units(
    pricing: Pricing, body: dict[str, Any], path: str
) -> None:
    sku = unique("SKU")
    response = pricing.http.put(f"/v1/prices/{sku}", json=body)
    assert response.status_code == 422
    assert [error["path"] for error in response.json()["errors"]] == [path]
    assert pricing.http.get(f"/v1/prices/{sku}").status_code == 404


def test_put_tax_rate_creates_and_changes_a_region(pricing: Pricing) -> None:
    region = f"ZZ-{unique('R')[-6:].upper()}"
    assert pricing.http.put(f"/v1/tax-rates/{region}", json={"rate_bp": 850}).status_code == 201
    assert pricing.http.put(f"/v1/tax-rates/{region}", json={"rate_bp": 850}).status_code == 200
    changed = pricing.http.put(f"/v1/tax-rates/{region}", json={"rate_bp": 900})
    assert changed.json() == {"region": region, "rate_bp": 900}
    events = pricing.admin_events("TaxRateChanged", region=region)
    assert [(e["payload"]["rate_bp"], e["payload"]["previous_rate_bp"]) for e in events] == [
        (850, None),
        (900, 850),
    ]
    for rate in (-1, 10_001, 7.25, "725"):
        response = pricing.http.put(f"/v1/tax-rates/{region}", json={"rate_bp": rate})
        assert (response.status_code, response.json()["errors"][0]["path"]) == (422, "rate_bp")
    assert pricing.http.put("/v1/tax-rates/eu-de", json={"rate_bp": 1}).status_code == 422


def test_put_promotion_creates_and_replaces_keeping_redemptions(pricing: Pricing) -> None:
    code = unique("PROMO").upper()
    created = pricing.put_promotion(code.lower(), percent_off=15, valid_until="2999-01-01T00:00:00Z")
    assert created.status_code == 201
    assert created.json() == {
        "code": code,
        "percent_off": 15,
        "amount_off": None,
        "min_subtotal": None,
        "max_redemptions": None,
        "valid_until": "2999-01-01T00:00:00Z",
        "active": True,
        "redemptions": 0,
    }
    sku = pricing.new_sku(1000)
    assert pricing.quote(unique("chk"), [(sku, 1)], promo=code.lower()).status_code == 201
    replaced = pricing.put_promotion(code, amount_off=money(300), min_subtotal=money(1000), max_redemptions=1)
    assert replaced.status_code == 200
    assert (replaced.json()["amount_off"], replaced.json()["redemptions"]) == (money(300), 1)
    assert pricing.http.get(f"/v1/promotions/{code.lower()}").json() == replaced.json()
    events = pricing.admin_events("PromotionChanged", code=code)
    assert [(e["payload"]["created"], e["payload"]["percent_off"]) for e in events] == [
        (True, 15),
        (False, None),
    ]

    below = pricing.put_promotion(code, amount_off=money(300), max_redemptions=0)
    assert (below.status_code, below.json()["code"], below.json()["redemptions"]) == (
        409,
        "REDEMPTION_LIMIT_BELOW_USE",
        1,
    )
    assert pricing.http.get(f"/v1/promotions/{code}").json()["max_redemptions"] == 1
    missing = pricing.http.get(f"/v1/promotions/{unique('NOPE')}")
    assert (missing.status_code, missing.json()["code"]) == (404, "PROMOTION_NOT_FOUND")


@pytest.mark.parametrize(
    ("terms", "path"),
    [
        ({}, "amount_off"),
        ({"percent_off": 10, "amount_off": money(5)}, "amount_off"),
        ({"percent_off": 0}, "percent_off"),
        ({"percent_off": 101}, "percent_off"),
        ({"percent_off": 10.5}, "percent_off"),
        ({"amount_off": money(0)}, "amount_off.amount_minor"),
        ({"amount_off": money(5), "min_subtotal": money(50, "USD")}, "min_subtotal"),
        ({"percent_off": 10, "max_redemptions": -1}, "max_redemptions"),
        ({"percent_off": 10, "valid_until": "2030-01-01T00:00:00"}, "valid_until"),
        ({"percent_off": 10, "active": "yes"}, "active"),
        ({"percent_off": 10, "stackable": True}, "stackable"),
    ],
)
def test_put_promotion_refuses_inconsistent_terms_with_paths(
    pricing: Pricing, terms: dict[str, Any], path: str
) -> None:
    code = unique("PROMO")
    response = pricing.put_promotion(code, **terms)
    assert response.status_code == 422
    assert [error["path"] for error in response.json()["errors"]] == [path]
    assert pricing.http.get(f"/v1/promotions/{code}").status_code == 404


def test_a_quote_locks_prices_applies_the_promotion_and_taxes_the_rest(pricing: Pricing) -> None:
    mug, beans = pricing.new_sku(1999), pricing.new_sku(500)
    code = pricing.new_promotion(percent_off=10)
    checkout = unique("chk")
    response = pricing.quote(
        checkout, [(beans, 1), (mug, 3)], region="EU-DE", promo=code, customer_id="cust-7"
    )
    assert response.status_code == 201
    quote = response.json()
    assert quote["quote_id"]
    assert {k: quote[k] for k in ("checkout_id", "customer_id", "status", "currency")} == {
        "checkout_id": checkout,
        "customer_id": "cust-7",
        "status": "ACTIVE",
        "currency": "EUR",
    }
    assert sorted(quote["lines"], key=lambda line: line["line_total"]["amount_minor"]) == [
        {"sku": beans, "quantity": 1, "unit_price": money(500), "line_total": money(500)},
        {"sku": mug, "quantity": 3, "unit_price": money(1999), "line_total": money(5997)},
    ]
    # 6497 - 10 % (649.7 -> 650) = 5847; 19 % of it = 1110.93 -> 1111; total 6958.
    assert [quote[k] for k in ("subtotal", "discount", "tax", "total")] == [
        money(6497),
        money(650),
        money(1111),
        money(6958),
    ]
    assert (quote["promo_code"], quote["shipping_region"], quote["tax_rate_bp"]) == (code, "EU-DE", 1900)
    assert pricing.redemptions(code) == 1
    assert pricing.locked_prices(checkout) == {mug: 1999, beans: 500}
    events = pricing.events(checkout)
    assert [(e["event_type"], e["schema_version"]) for e in events] == [("PriceQuoted", 1)]
    assert events[0]["payload"]["total"] == money(6958)
    assert events[0]["payload"]["lines"] == quote["lines"]
    assert pricing.http.get(f"/v1/quotes/{checkout}").json() == quote


def test_a_fixed_discount_is_capped_at_the_subtotal(pricing: Pricing) -> None:
    sku = pricing.new_sku(300, "USD")
    code = pricing.new_promotion(amount_off=money(500, "USD"), min_subtotal=money(300, "USD"))
    quote = pricing.quote(unique("chk"), [(sku, 1)], region="US-CA", promo=code).json()
    assert [quote[k]["amount_minor"] for k in ("subtotal", "discount", "tax", "total")] == [300, 300, 0, 0]


def test_a_checkout_keeps_its_locked_prices_after_the_price_list_changes(pricing: Pricing) -> None:
    sku = pricing.new_sku(1000)
    checkout = unique("chk")
    first = pricing.quote(checkout, [(sku, 2)], region="UK", key="saga-run-1")
    assert pricing.put_price(sku, 1500).status_code == 200
    again = pricing.quote(checkout, [(sku, 2)], region="UK", key="saga-run-2")
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.json()["total"] == money(2400)  # 2000 + 20 % UK tax, at the locked price
    fresh = pricing.quote(unique("chk"), [(sku, 2)], region="UK")
    assert fresh.json()["total"] == money(3600)


def test_retry_with_the_same_key_replays_without_a_second_effect(pricing: Pricing) -> None:
    sku = pricing.new_sku(700)
    code = pricing.new_promotion(percent_off=5, max_redemptions=10)
    checkout = unique("chk")
    first = pricing.quote(checkout, [(sku, 2)], promo=code)
    retry = pricing.quote(checkout, [(sku, 2)], promo=code)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert pricing.redemptions(code) == 1
    assert len(pricing.events(checkout)) == 1


def test_same_key_with_a_different_body_is_409_and_changes_nothing(pricing: Pricing) -> None:
    sku = pricing.new_sku()
    checkout = unique("chk")
    key = f"shared-{checkout}"
    assert pricing.quote(checkout, [(sku, 1)], key=key).status_code == 201
    reused = pricing.quote(checkout, [(sku, 3)], key=key)
    assert (reused.status_code, reused.json()["code"]) == (409, "IDEMPOTENCY_KEY_REUSED")
    other_endpoint = pricing.void(checkout, key=key)
    assert other_endpoint.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert pricing.http.get(f"/v1/quotes/{checkout}").json()["status"] == "ACTIVE"
    assert pricing.locked_prices(checkout) == {sku: 1000}


def test_a_second_quote_for_the_checkout_has_no_second_effect(pricing: Pricing) -> None:
    sku, other = pricing.new_sku(), pricing.new_sku()
    code = pricing.new_promotion(percent_off=20)
    checkout = unique("chk")
    first = pricing.quote(checkout, [(sku, 2), (other, 1)], promo=code.lower(), key="run-1")
    again = pricing.quote(checkout, [(other, 1), (sku, 2)], promo=code, key="run-2")  # same content
    assert again.status_code == 200
    assert again.json() == first.json()
    same_items = [(sku, 2), (other, 1)]
    changes: list[tuple[list[tuple[str, int]], dict[str, Any]]] = [
        ([(sku, 3), (other, 1)], {}),
        (same_items, {"region": "UK"}),
        (same_items, {"promo": None}),
        (same_items, {"customer_id": "cust-2"}),
    ]
    for items, changed in changes:
        arguments: dict[str, Any] = {"promo": code, **changed}
        conflict = pricing.quote(checkout, items, key=unique("run"), **arguments)
        assert (conflict.status_code, conflict.json()["code"]) == (409, "QUOTE_CONFLICT")
    assert pricing.redemptions(code) == 1
    assert len(pricing.events(checkout)) == 1


def test_unknown_sku_is_a_422_naming_the_lines(pricing: Pricing) -> None:
    known, missing = pricing.new_sku(), unique("NOPE")
    checkout = unique("chk")
    response = pricing.quote(checkout, [(known, 1), (missing, 1)], region="XX-1")
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert (problem["code"], problem["type"]) == ("UNKNOWN_SKU", "urn:checkout-saga:problem:unknown-sku")
    assert problem["skus"] == [missing]
    assert problem["errors"] == [{"path": "items.1.sku", "message": f"no price for SKU {missing}"}]
    assert_nothing_written(pricing, checkout, f"{checkout}:quote")


def test_a_region_without_a_tax_rate_is_a_422_at_shipping_region(pricing: Pricing) -> None:
    sku = pricing.new_sku()
    checkout = unique("chk")
    response = pricing.quote(checkout, [(sku, 1)], region="XX-1")
    assert (response.status_code, response.json()["code"]) == (422, "UNSUPPORTED_REGION")
    assert response.json()["errors"] == [
        {"path": "shipping_region", "message": "no tax rate for region XX-1"}
    ]
    assert_nothing_written(pricing, checkout, f"{checkout}:quote")


def test_items_priced_in_several_currencies_are_refused(pricing: Pricing) -> None:
    euro, dollar = pricing.new_sku(100, "EUR"), pricing.new_sku(100, "USD")
    code = pricing.new_promotion(percent_off=10)
    checkout = unique("chk")
    response = pricing.quote(checkout, [(euro, 1), (dollar, 1)], promo=code)
    assert (response.status_code, response.json()["code"]) == (409, "MIXED_CURRENCY")
    assert response.json()["currencies"] == ["EUR", "USD"]
    assert_nothing_written(pricing, checkout, f"{checkout}:quote", code)


@pytest.mark.parametrize(
    ("terms", "reason"),
    [
        ({"percent_off": 10, "active": False}, "INACTIVE"),
        ({"percent_off": 10, "valid_until": "2020-01-01T00:00:00+00:00"}, "EXPIRED"),
        ({"percent_off": 10, "max_redemptions": 0}, "EXHAUSTED"),
        ({"amount_off": money(100, "USD")}, "CURRENCY_MISMATCH"),
        ({"percent_off": 10, "min_subtotal": money(5001)}, "BELOW_MINIMUM"),
    ],
)
def test_a_promotion_that_cannot_apply_is_a_409_with_its_reason(
    pricing: Pricing, terms: dict[str, Any], reason: str
) -> None:
    sku = pricing.new_sku(2500)
    code = pricing.new_promotion(**terms)
    checkout = unique("chk")
    response = pricing.quote(checkout, [(sku, 2)], promo=code)
    assert response.status_code == 409
    problem = response.json()
    assert (problem["code"], problem["reason"], problem["promo_code"]) == ("INVALID_PROMO", reason, code)
    assert_nothing_written(pricing, checkout, f"{checkout}:quote", code)


def test_an_unknown_promotion_code_is_a_409_unknown(pricing: Pricing) -> None:
    sku = pricing.new_sku()
    checkout = unique("chk")
    response = pricing.quote(checkout, [(sku, 1)], promo="NO-SUCH-CODE")
    assert (response.json()["code"], response.json()["reason"]) == ("INVALID_PROMO", "UNKNOWN")
    assert_nothing_written(pricing, checkout, f"{checkout}:quote")


def test_a_rejection_is_the_keys_first_result_too(pricing: Pricing) -> None:
    sku = pricing.new_sku(1000)
    code = pricing.new_promotion(percent_off=10, active=False)
    checkout = unique("chk")
    first = pricing.quote(checkout, [(sku, 1)], promo=code)
    assert first.json()["reason"] == "INACTIVE"
    assert pricing.put_promotion(code, percent_off=10, active=True).status_code == 200
    retry = pricing.quote(checkout, [(sku, 1)], promo=code)
    assert (retry.status_code, retry.json()) == (409, first.json())
    assert retry.headers["Idempotent-Replayed"] == "true"
    fresh = pricing.quote(checkout, [(sku, 1)], promo=code, key=f"{checkout}:quote:2")
    assert fresh.status_code == 201  # a new key may try again: nothing was written the first time


def item(sku: str = "S", quantity: Any = 1) -> dict[str, Any]:
    return {"sku": sku, "quantity": quantity}


@pytest.mark.parametrize(
    ("changes", "headers", "paths"),
    [
        ({"items": [item(quantity=1.5)]}, None, ["items.0.quantity"]),
        ({"items": [item(quantity=2.0)]}, None, ["items.0.quantity"]),
        ({"items": [item(quantity="2")]}, None, ["items.0.quantity"]),
        ({"items": [item(quantity=0)]}, None, ["items.0.quantity"]),
        ({"items": [item(quantity=1001)]}, None, ["items.0.quantity"]),
        ({"items": []}, None, ["items"]),
        ({"items": [item(), item()]}, None, ["items"]),
        ({"checkout_id": "has space"}, None, ["checkout_id"]),
        ({"customer_id": None}, None, ["customer_id"]),
        ({"shipping_region": "eu-de"}, None, ["shipping_region"]),
        ({"shipping_region": None}, None, ["shipping_region"]),
        ({"promo_code": ""}, None, ["promo_code"]),
        ({"promo_code": 10}, None, ["promo_code"]),
        ({"extra": 1}, None, ["extra"]),
        ({}, {}, ["header.Idempotency-Key"]),
    ],
)
def test_invalid_input_is_422_with_paths_and_writes_nothing(
    pricing: Pricing, changes: dict[str, Any], headers: dict[str, str] | None, paths: list[str]
) -> None:
    sku = pricing.new_sku()
    code = pricing.new_promotion(percent_off=10)
    checkout = unique("chk")
    body: dict[str, Any] = {
        "checkout_id": checkout,
        "customer_id": "cust-1",
        "items": [item(sku)],
        "shipping_region": "EU-DE",
        "promo_code": code,
        **changes,
    }
    for line in body["items"]:
        line["sku"] = sku
    key = f"{checkout}:quote"
    response = pricing.http.post(
        "/v1/quotes", json=body, headers={"Idempotency-Key": key} if headers is None else headers
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["code"] == "VALIDATION_FAILED"
    assert [error["path"] for error in problem["errors"]] == paths
    assert not pricing.has_key(key)
    assert not pricing.has_quote(checkout)
    assert pricing.events(checkout) == []
    assert pricing.redemptions(code) == 0


def test_void_returns_the_redemption_once_and_records_every_call(pricing: Pricing) -> None:
    sku = pricing.new_sku(1000)
    code = pricing.new_promotion(percent_off=10, max_redemptions=1)
    checkout = unique("chk")
    quote = pricing.quote(checkout, [(sku, 1)], promo=code).json()
    assert pricing.quote(unique("chk"), [(sku, 1)], promo=code).json()["reason"] == "EXHAUSTED"

    first = pricing.void(checkout, key=f"{checkout}:void")
    assert first.status_code == 200
    assert first.json() == {"outcome": "COMPENSATED", "checkout_id": checkout, "quote_id": quote["quote_id"]}
    replay = pricing.void(checkout, key=f"{checkout}:void")
    assert (replay.json(), replay.headers["Idempotent-Replayed"]) == (first.json(), "true")
    second = pricing.void(checkout, key=f"{checkout}:void:again")
    assert second.json() == {**first.json(), "outcome": "NOOP_ALREADY_COMPENSATED"}

    assert pricing.redemptions(code) == 0
    assert pricing.quote(unique("chk"), [(sku, 1)], promo=code).status_code == 201  # it is free again
    assert [e["event_type"] for e in pricing.events(checkout)] == ["PriceQuoted", "QuoteVoided"]
    voided = pricing.events(checkout)[1]["payload"]
    assert voided == {"checkout_id": checkout, "quote_id": quote["quote_id"], "promo_code": code}
    audit = pricing.audit(checkout)
    assert [(a["action"], a["outcome"]) for a in audit] == [
        ("pricing.void_quote", "COMPENSATED"),
        ("pricing.void_quote", "NOOP_ALREADY_COMPENSATED"),
    ]
    assert audit[0]["details"] == {
        "idempotency_key": f"{checkout}:void",
        "quote_id": quote["quote_id"],
        "redemption_returned": code,
    }
    document = pricing.http.get(f"/v1/quotes/{checkout}").json()
    assert (document["status"], document["lines"], document["total"]) == (
        "VOIDED",
        quote["lines"],
        quote["total"],
    )
    assert document["voided_at"] is not None
    late = pricing.quote(checkout, [(sku, 1)], promo=code, key=unique("run"))
    assert (late.status_code, late.json()["code"]) == (409, "QUOTE_VOIDED")


def test_void_without_a_quote_is_a_recorded_noop_and_blocks_a_late_quote(pricing: Pricing) -> None:
    sku = pricing.new_sku()
    code = pricing.new_promotion(percent_off=10)
    checkout = unique("chk")
    voided = pricing.void(checkout)
    assert voided.status_code == 200
    assert voided.json() == {
        "outcome": "NOOP_NOTHING_TO_COMPENSATE",
        "checkout_id": checkout,
        "quote_id": None,
    }
    assert [a["outcome"] for a in pricing.audit(checkout)] == ["NOOP_NOTHING_TO_COMPENSATE"]
    assert pricing.events(checkout) == []
    tombstone = pricing.http.get(f"/v1/quotes/{checkout}").json()
    assert (tombstone["status"], tombstone["quote_id"], tombstone["lines"], tombstone["total"]) == (
        "VOIDED",
        None,
        [],
        None,
    )

    late = pricing.quote(checkout, [(sku, 1)], promo=code)
    assert (late.status_code, late.json()["code"]) == (409, "QUOTE_VOIDED")
    assert pricing.redemptions(code) == 0
    again = pricing.void(checkout, key=f"{checkout}:void:2")
    assert again.json()["outcome"] == "NOOP_ALREADY_COMPENSATED"
    assert len(pricing.audit(checkout)) == 2


def test_the_outbox_row_commits_with_the_quote_or_neither_does(
    pricing: Pricing, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An event that cannot be written takes the quote and the redemption down with it."""
    sku = pricing.new_sku()
    code = pricing.new_promotion(percent_off=10)
    checkout = unique("chk")
    original = outbox_module.OutboxWriter.add

    def add_then_fail(self: outbox_module.OutboxWriter, event: outbox_module.DomainEvent) -> object:
        original(self, event)
        raise RuntimeError("the outbox write failed")

    monkeypatch.setattr(outbox_module.OutboxWriter, "add", add_then_fail)
    failed = pricing.quote(checkout, [(sku, 1)], promo=code)
    assert (failed.status_code, failed.json()["code"]) == (500, "INTERNAL_ERROR")
    assert "outbox" not in failed.text
    assert not pricing.has_quote(checkout)
    assert pricing.redemptions(code) == 0
    assert not pricing.has_key(f"{checkout}:quote")

    monkeypatch.undo()
    retried = pricing.quote(checkout, [(sku, 1)], promo=code)
    assert retried.status_code == 201
    assert pricing.redemptions(code) == 1
    assert len(pricing.events(checkout)) == 1


def test_unknown_routes_and_reads_answer_problems(pricing: Pricing) -> None:
    missing = pricing.http.get(f"/v1/quotes/{unique('chk')}")
    assert (missing.status_code, missing.json()["code"]) == (404, "QUOTE_NOT_FOUND")
    nowhere = pricing.http.get("/v1/nowhere")
    assert (nowhere.status_code, nowhere.json()["code"]) == (404, "NOT_FOUND")
    assert nowhere.headers["content-type"] == PROBLEM
    wrong_method = pricing.http.delete("/v1/quotes")
    assert (wrong_method.status_code, wrong_method.json()["code"]) == (405, "METHOD_NOT_ALLOWED")


def test_amounts_are_64_bit_wherever_the_database_tells_sizes_apart(pricing: Pricing) -> None:
    expected = "INTEGER" if pricing.backend == "sqlite" else "BIGINT"
    for table, names in (
        ("prices", ["unit_price_minor"]),
        ("quotes", ["subtotal_minor", "discount_minor", "tax_minor", "total_minor"]),
        ("quote_lines", ["unit_price_minor"]),
    ):
        columns = {c["name"]: c["type"] for c in inspect(pricing.db).get_columns(table)}
        for name in names:
            assert columns[name].compile(dialect=pricing.db.dialect).startswith(expected), (table, name)
