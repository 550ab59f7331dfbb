"""Validation of ``POST /v1/checkouts`` bodies: strict, with a path per problem, never echoing card data."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from gateway.entrypoints.schemas import CheckoutBody

CARD_NUMBER = "4242424242424242"


def body(**changes: Any) -> dict[str, Any]:
    return {
        "customer_id": "cust-1",
        "items": [{"sku": "SKU-1", "quantity": 2}],
        "payment_token": "tok_visa",
        "shipping_region": "EU-DE",
        **changes,
    }


def paths(document: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as refused:
        CheckoutBody.model_validate(document)
    return [".".join(str(part) for part in error["loc"]) for error in refused.value.errors()]


def test_a_valid_body_becomes_a_request_and_keeps_the_token_apart() -> None:
    checkout = CheckoutBody.model_validate(body(promo_code="WELCOME10"))

    request = checkout.to_request()

    assert (request.customer_id, request.shipping_region, request.promo_code) == (
        "cust-1",
        "EU-DE",
        "WELCOME10",
    )
    assert [(item.sku, item.quantity) for item in request.items] == [("SKU-1", 2)]
    assert checkout.payment_token == "tok_visa"


def test_the_promo_code_is_optional_and_may_be_null() -> None:
    assert CheckoutBody.model_validate(body()).promo_code is None
    assert CheckoutBody.model_validate(body(promo_code=None)).promo_code is None


@pytest.mark.parametrize("count", [1, 50])
def test_one_to_fifty_items_are_accepted(count: int) -> None:
    items = [{"sku": f"SKU-{i}", "quantity": 1} for i in range(count)]

    assert len(CheckoutBody.model_validate(body(items=items)).items) == count


@pytest.mark.parametrize("quantity", [1, 1000])
def test_quantities_from_one_to_a_thousand_are_accepted(quantity: int) -> None:
    assert CheckoutBody.model_validate(body(items=[{"sku": "SKU-1", "quantity": quantity}]))


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"items": []}, "items"),
        ({"items": [{"sku": f"S-{i}", "quantity": 1} for i in range(51)]}, "items"),
        ({"items": [{"sku": "SKU-1", "quantity": 0}]}, "items.0.quantity"),
        ({"items": [{"sku": "SKU-1", "quantity": 1001}]}, "items.0.quantity"),
        ({"items": [{"sku": "SKU-1", "quantity": True}]}, "items.0.quantity"),
        ({"items": [{"sku": "SKU-1", "quantity": 1.5}]}, "items.0.quantity"),
        ({"items": [{"sku": "SKU-1", "quantity": 1}, {"sku": "SKU-1", "quantity": 1}]}, "items"),
        ({"items": [{"sku": "SKU-1", "quantity": 1, "price": 5}]}, "items.0.price"),
        ({"customer_id": "x" * 101}, "customer_id"),
        ({"shipping_region": "eu-de"}, "shipping_region"),
        ({"payment_token": "tok_"}, "payment_token"),
        ({"payment_token": 4242424242424242}, "payment_token"),
        ({"card_number": CARD_NUMBER}, "card_number"),
    ],
)
def test_an_invalid_field_is_reported_at_its_path(change: dict[str, Any], path: str) -> None:
    assert path in paths(body(**change))


def test_a_card_number_as_token_is_refused_without_repeating_it() -> None:
    with pytest.raises(ValidationError) as refused:
        CheckoutBody.model_validate(body(payment_token=CARD_NUMBER))

    [problem] = refused.value.errors()
    assert problem["loc"] == ("payment_token",)
    assert CARD_NUMBER not in problem["msg"]  # the API answers with loc and msg only, never the input
    assert "tok_" in problem["msg"]
