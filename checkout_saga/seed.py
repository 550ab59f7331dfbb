"""Put the demo catalogue into the services through their admin APIs (idempotent PUTs)."""

from __future__ import annotations

import httpx

from checkout_saga.catalogue import BLOCKED_CUSTOMER, CURRENCY, PRODUCTS, PROMOTIONS


def seed(urls: dict[str, str]) -> None:
    """``urls``: base URL per service name (cart, pricing, inventory, order)."""
    with httpx.Client(timeout=10.0) as http:

        def put(service: str, path: str, body: dict[str, object]) -> None:
            response = http.put(urls[service] + path, json=body)
            if not response.is_success:
                raise RuntimeError(f"seeding {service}{path} failed: {response.status_code} {response.text}")

        for product in PRODUCTS:
            price = {"amount_minor": product.price_minor, "currency": CURRENCY}
            put(
                "cart",
                f"/v1/products/{product.sku}",
                {"name": product.name, "list_price": price, "sellable": product.sellable},
            )
            put("pricing", f"/v1/prices/{product.sku}", {"unit_price": price})
            put("inventory", f"/v1/stock/{product.sku}", {"on_hand": product.stock, "location": "A-01"})
        for code, promotion in PROMOTIONS.items():
            put("pricing", f"/v1/promotions/{code}", promotion)
        put("order", f"/v1/blocked-customers/{BLOCKED_CUSTOMER}", {"reason": "demo: orders are refused"})
