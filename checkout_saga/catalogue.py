"""The demo catalogue `up` seeds through the services' admin APIs, and the scenarios `demo` draws from.

SKU-1..SKU-5 have ample stock; SKU-SOLDOUT has none (inventory fails); SKU-RETIRED is no longer sold
(cart fails); promotion WELCOME10 works and SPRING (expired) does not (pricing fails); customer
cust-blocked is on the order service's block list (order fails).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CURRENCY = "EUR"
AMPLE_STOCK = 1_000_000


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    price_minor: int
    stock: int
    sellable: bool = True


PRODUCTS = (
    Product("SKU-1", "Espresso beans 1 kg", 2_490, AMPLE_STOCK),
    Product("SKU-2", "Ceramic pour-over dripper", 1_990, AMPLE_STOCK),
    Product("SKU-3", "Paper filters (100)", 590, AMPLE_STOCK),
    Product("SKU-4", "Burr grinder", 12_900, AMPLE_STOCK),
    Product("SKU-5", "Gooseneck kettle", 4_900, AMPLE_STOCK),
    Product("SKU-SOLDOUT", "Limited edition mug", 1_500, 0),
    Product("SKU-RETIRED", "Last year's calendar", 990, AMPLE_STOCK, sellable=False),
)

PROMOTIONS: dict[str, dict[str, Any]] = {
    "WELCOME10": {"percent_off": 10, "active": True},
    "SPRING": {"percent_off": 15, "active": True, "valid_until": "2020-06-21T00:00:00Z"},
}

BLOCKED_CUSTOMER = "cust-blocked"


@dataclass(frozen=True)
class Scenario:
    """One kind of checkout the demo starts, and the outcome it should reach."""

    name: str
    expected: str
    weight: int
    items: tuple[tuple[str, int], ...] = (("SKU-1", 1), ("SKU-3", 2))
    payment_token: str = "tok_visa"
    promo_code: str | None = None
    customer: str | None = None

    def body(self, customer: str) -> dict[str, Any]:
        return {
            "customer_id": self.customer or customer,
            "items": [{"sku": sku, "quantity": quantity} for sku, quantity in self.items],
            "payment_token": self.payment_token,
            "shipping_region": "EU-DE",
            "promo_code": self.promo_code,
        }


SCENARIOS = (
    Scenario("happy path", "COMPLETED", 60),
    Scenario("happy path with promotion", "COMPLETED", 10, promo_code="WELCOME10"),
    Scenario("card declined", "COMPENSATED", 8, payment_token="tok_chargeDeclined"),
    Scenario("insufficient funds", "COMPENSATED", 4, payment_token="tok_insufficientFunds"),
    Scenario("sold out", "COMPENSATED", 6, items=(("SKU-2", 1), ("SKU-SOLDOUT", 1))),
    Scenario("expired promotion", "COMPENSATED", 4, promo_code="SPRING"),
    Scenario("item no longer sold", "COMPENSATED", 4, items=(("SKU-RETIRED", 1),)),
    Scenario("customer blocked", "COMPENSATED", 4, customer=BLOCKED_CUSTOMER),
)
