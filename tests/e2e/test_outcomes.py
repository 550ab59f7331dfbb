"""Checkouts through the whole stack end the way the saga promises: completed, or compensated exactly
the steps that completed, in reverse order."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Stack, body

STEPS = ["reserve_cart", "quote_price", "capture_payment", "allocate_inventory", "create_order"]
UNDO = {
    "reserve_cart": "release_cart",
    "quote_price": "void_quote",
    "capture_payment": "refund_payment",
    "allocate_inventory": "release_inventory",
    "create_order": "cancel_order",
}


def completed_steps(checkout: dict[str, Any]) -> list[str]:
    return [
        e["element_id"] for e in checkout["timeline"] if e["kind"] == "STEP" and e["state"] == "COMPLETED"
    ]


def compensations(checkout: dict[str, Any]) -> list[str]:
    return [e["element_id"] for e in checkout["timeline"] if e["kind"] == "COMPENSATION"]


def test_a_checkout_completes_with_its_order_and_amounts(stack: Stack) -> None:
    checkout = stack.run(body(("SKU-1", 2), ("SKU-3", 1)))

    assert checkout["status"] == "COMPLETED"
    assert completed_steps(checkout) == STEPS
    assert compensations(checkout) == []
    assert checkout["order_id"]
    # 2 x 24.90 + 5.90 = 55.70, German VAT 19%: 10.58 (half-up) -> 66.28
    assert checkout["amounts"]["subtotal"] == {"amount_minor": 5570, "currency": "EUR"}
    assert checkout["amounts"]["total"] == {"amount_minor": 6628, "currency": "EUR"}
    assert checkout["failure"] is None


FAILURES = [
    pytest.param(body(("SKU-RETIRED", 1)), "ITEM_NOT_SELLABLE", 0, id="cart"),
    pytest.param(body(promo="SPRING"), "INVALID_PROMO", 1, id="pricing-invalid-promo"),
    pytest.param(body(token="tok_chargeDeclined"), "PAYMENT_DECLINED", 2, id="payment-declined"),
    pytest.param(
        body(token="tok_insufficientFunds"), "INSUFFICIENT_FUNDS", 2, id="payment-insufficient-funds"
    ),
    pytest.param(body(("SKU-1", 1), ("SKU-SOLDOUT", 1)), "OUT_OF_STOCK", 3, id="inventory-out-of-stock"),
    pytest.param(body(customer="cust-blocked"), "CUSTOMER_BLOCKED", 4, id="order"),
]


@pytest.mark.parametrize(("request_body", "code", "failed_at"), FAILURES)
def test_a_business_failure_compensates_exactly_the_completed_steps_in_reverse_order(
    stack: Stack, request_body: dict[str, Any], code: str, failed_at: int
) -> None:
    checkout = stack.run(request_body)

    assert checkout["status"] == "COMPENSATED"
    assert checkout["failure"]["code"] == code
    assert completed_steps(checkout) == STEPS[:failed_at]
    assert compensations(checkout) == [UNDO[step] for step in reversed(STEPS[:failed_at])]
    assert checkout["order_id"] is None


def test_a_payment_that_outlives_its_time_limit_is_voided_and_the_checkout_compensated(stack: Stack) -> None:
    checkout = stack.run(body(token="tok_timeout"))

    assert checkout["status"] == "COMPENSATED"
    assert checkout["failure"]["code"] == "PAYMENT_TIMEOUT"
    assert completed_steps(checkout) == STEPS[:2]
    assert compensations(checkout) == ["cancel_abandoned_capture", "void_quote", "release_cart"]
    payment = stack.service("payment", f"/v1/payments/{checkout['id']}").json()
    assert payment["status"] in {"REFUNDED", "VOIDED"}
