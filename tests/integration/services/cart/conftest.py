"""A cart served over real HTTP, once per test module and backend: SQLite (the default) and
PostgreSQL (its CI database).

Tests share the server and tell their data apart with unique SKUs and checkout ids.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, select

from services.cart.adapters.orm import ProductRow, ReservationRow
from services.cart.entrypoints.app import create_app
from services.cart.settings import CartSettings
from tests.integration.services.conftest import new_database
from tests.integration.services.support import ServiceTables
from tests.unit.services.support import LiveServer, unique


@dataclass
class Cart(ServiceTables):
    """A running cart: its HTTP client and a direct view of its database."""

    http: httpx.Client
    db: Engine
    backend: str
    server: LiveServer

    def put_product(
        self, sku: str, price: int = 1000, currency: str = "EUR", **fields: Any
    ) -> httpx.Response:
        body = {
            "name": f"Product {sku}",
            "list_price": {"amount_minor": price, "currency": currency},
            **fields,
        }
        return self.http.put(f"/v1/products/{sku}", json=body)

    def new_sku(self, price: int = 1000, currency: str = "EUR", **fields: Any) -> str:
        sku = unique("SKU")
        assert self.put_product(sku, price, currency, **fields).status_code == 201
        return sku

    def reserve(
        self,
        checkout_id: str,
        items: list[tuple[str, int]],
        key: str | None = None,
        customer_id: str = "cust-1",
    ) -> httpx.Response:
        body = {
            "checkout_id": checkout_id,
            "customer_id": customer_id,
            "items": [{"sku": s, "quantity": q} for s, q in items],
        }
        return self.http.post(
            "/v1/reservations", json=body, headers={"Idempotency-Key": key or f"{checkout_id}:reserve"}
        )

    def release(self, checkout_id: str, key: str | None = None) -> httpx.Response:
        return self.http.post(
            f"/v1/reservations/{checkout_id}/release",
            headers={"Idempotency-Key": key or f"{checkout_id}:release"},
        )

    def check_out(self, checkout_id: str, key: str | None = None) -> httpx.Response:
        return self.http.post(
            f"/v1/reservations/{checkout_id}/check-out",
            headers={"Idempotency-Key": key or f"{checkout_id}:check-out"},
        )

    def reserved(self, sku: str) -> int:
        """The product row's ``reserved_quantity``, read from the database."""
        query = select(ProductRow.reserved_quantity).where(ProductRow.sku == sku)
        with self.db.connect() as connection:
            return int(connection.execute(query).scalar_one())

    def has_reservation(self, checkout_id: str) -> bool:
        query = select(ReservationRow.checkout_id).where(ReservationRow.checkout_id == checkout_id)
        with self.db.connect() as connection:
            return connection.execute(query).first() is not None


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def cart(request: pytest.FixtureRequest) -> Iterator[Cart]:
    backend: str = request.param
    url = new_database(request, backend)
    app = create_app(CartSettings(database_url=url))
    db = create_engine(url)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        yield Cart(http=http, db=db, backend=backend, server=server)
    db.dispose()
