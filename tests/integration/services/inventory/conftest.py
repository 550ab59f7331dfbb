"""An inventory served over real HTTP, once per test module and backend.

SQLite (the default), PostgreSQL (its CI database) and MariaDB (the kit supports it; another service
may pick it).

Tests share the server and tell their data apart with unique SKUs and checkout ids.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, select

from services.inventory.adapters.orm import AllocationRow, StockRow
from services.inventory.entrypoints.app import create_app
from services.inventory.settings import InventorySettings
from tests.integration.services.conftest import new_database
from tests.integration.services.support import ServiceTables
from tests.unit.services.support import LiveServer, unique


@dataclass
class Inventory(ServiceTables):
    """A running inventory: its HTTP client and a direct view of its database."""

    http: httpx.Client
    db: Engine
    backend: str
    server: LiveServer

    def put_stock(self, sku: str, on_hand: int, location: str = "A-01") -> httpx.Response:
        return self.http.put(f"/v1/stock/{sku}", json={"on_hand": on_hand, "location": location})

    def new_sku(self, on_hand: int, location: str = "A-01") -> str:
        sku = unique("SKU")
        assert self.put_stock(sku, on_hand, location).status_code == 201
        return sku

    def allocate(
        self, checkout_id: str, items: list[tuple[str, int]], key: str | None = None
    ) -> httpx.Response:
        body = {"checkout_id": checkout_id, "items": [{"sku": s, "quantity": q} for s, q in items]}
        return self.http.post(
            "/v1/allocations", json=body, headers={"Idempotency-Key": key or f"{checkout_id}:allocate"}
        )

    def release(self, checkout_id: str, key: str | None = None) -> httpx.Response:
        return self.http.post(
            f"/v1/allocations/{checkout_id}/release",
            headers={"Idempotency-Key": key or f"{checkout_id}:release"},
        )

    def stock(self, sku: str) -> dict[str, Any]:
        with self.db.connect() as connection:
            row = connection.execute(select(StockRow.__table__).where(StockRow.sku == sku)).mappings().one()
        return dict(row)

    def has_allocation(self, checkout_id: str) -> bool:
        query = select(AllocationRow.checkout_id).where(AllocationRow.checkout_id == checkout_id)
        with self.db.connect() as connection:
            return connection.execute(query).first() is not None


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mariadb"])
def inventory(request: pytest.FixtureRequest) -> Iterator[Inventory]:
    backend: str = request.param
    url = new_database(request, backend)
    app = create_app(InventorySettings(database_url=url))
    db = create_engine(url)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        yield Inventory(http=http, db=db, backend=backend, server=server)
    db.dispose()
