"""An order service served over real HTTP, once per test module and backend.

SQLite (the default) and PostgreSQL (its CI database). Tests share the server and tell their data
apart with unique checkout and customer ids.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, select

from services.common.tables import outbox
from services.order.adapters.orm import OrderRow
from services.order.entrypoints.app import create_app
from services.order.settings import OrderSettings
from tests.integration.services.conftest import new_database
from tests.integration.services.support import ServiceTables
from tests.unit.services.support import LiveServer, unique


def eur(amount_minor: int) -> dict[str, Any]:
    return {"amount_minor": amount_minor, "currency": "EUR"}


def order_body(
    checkout_id: str,
    customer_id: str,
    lines: list[tuple[str, int, int]] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """A request for ``(sku, quantity, unit price in cents)`` lines in EUR that adds up."""
    lines = lines if lines is not None else [("SKU-A", 2, 500), ("SKU-B", 1, 999)]
    body = {
        "checkout_id": checkout_id,
        "customer_id": customer_id,
        "items": [
            {"sku": sku, "quantity": q, "unit_price": eur(price), "line_total": eur(price * q)}
            for sku, q, price in lines
        ],
        "total": eur(sum(price * q for _, q, price in lines)),
        "quote_id": f"quote-{checkout_id}",
        "payment_id": f"pay_{checkout_id}",
        "allocation": [{"sku": sku, "quantity": q, "location": f"LOC-{sku}"} for sku, q, _ in lines],
    }
    return {**body, **overrides}


@dataclass
class Orders(ServiceTables):
    """A running order service: its HTTP client and a direct view of its database."""

    http: httpx.Client
    db: Engine
    backend: str
    server: LiveServer

    def create(self, body: dict[str, Any], key: str | None = None) -> httpx.Response:
        return self.http.post(
            "/v1/orders", json=body, headers={"Idempotency-Key": key or f"{body['checkout_id']}:create"}
        )

    def new_order(self, customer_id: str | None = None) -> dict[str, Any]:
        response = self.create(order_body(unique("chk"), customer_id or unique("cust")))
        assert response.status_code == 201, response.text
        order: dict[str, Any] = response.json()
        return order

    def cancel(self, checkout_id: str, key: str | None = None) -> httpx.Response:
        return self.http.post(
            f"/v1/orders/{checkout_id}/cancel", headers={"Idempotency-Key": key or f"{checkout_id}:cancel"}
        )

    def block(self, customer_id: str, reason: str = "chargebacks") -> httpx.Response:
        return self.http.put(f"/v1/blocked-customers/{customer_id}", json={"reason": reason})

    def unblock(self, customer_id: str) -> httpx.Response:
        return self.http.delete(f"/v1/blocked-customers/{customer_id}")

    def customer_events(self, customer_id: str) -> list[dict[str, Any]]:
        query = select(outbox).where(outbox.c.checkout_id.is_(None)).order_by(outbox.c.occurred_at)
        with self.db.connect() as connection:
            rows = [dict(row) for row in connection.execute(query).mappings()]
        return [row for row in rows if row["payload"].get("customer_id") == customer_id]

    def row(self, checkout_id: str) -> dict[str, Any] | None:
        query = select(OrderRow.__table__).where(OrderRow.checkout_id == checkout_id)
        with self.db.connect() as connection:
            row = connection.execute(query).mappings().first()
        return None if row is None else dict(row)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def orders(request: pytest.FixtureRequest) -> Iterator[Orders]:
    backend: str = request.param
    url = new_database(request, backend)
    app = create_app(OrderSettings(database_url=url))
    db = create_engine(url)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        yield Orders(http=http, db=db, backend=backend, server=server)
    db.dispose()
