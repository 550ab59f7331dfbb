"""The variables a checkout's process instance starts with: what the workers read (bpmn/checkout.bpmn)."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.domain.model import Checkout, CheckoutStatus, LineItem, start_variables

NOW = datetime(2026, 1, 1, tzinfo=UTC)
CHECKOUT = Checkout(
    id="0b7c9a4e-0000-4000-8000-000000000001",
    client_id="shop",
    customer_id="cust-1",
    items=(LineItem("SKU-1", 2), LineItem("SKU-3", 1)),
    shipping_region="EU-DE",
    promo_code=None,
    status=CheckoutStatus.PENDING,
    process_instance_key=None,
    created_at=NOW,
    updated_at=NOW,
)


def test_the_variables_carry_the_checkout_and_its_token_and_a_null_promo_code() -> None:
    assert start_variables(CHECKOUT, "tok_visa", None) == {
        "checkoutId": CHECKOUT.id,
        "customerId": "cust-1",
        "items": [{"sku": "SKU-1", "quantity": 2}, {"sku": "SKU-3", "quantity": 1}],
        "paymentToken": "tok_visa",
        "shippingRegion": "EU-DE",
        "promoCode": None,
    }


def test_a_configured_payment_timeout_is_passed_and_an_unset_one_left_to_the_diagram() -> None:
    assert start_variables(CHECKOUT, "tok_visa", "PT4S")["paymentTimeout"] == "PT4S"
    assert "paymentTimeout" not in start_variables(CHECKOUT, "tok_visa", None)
