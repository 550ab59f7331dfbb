"""A loyalty service served over real HTTP, once per test module and backend.

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

from services.loyalty.adapters.orm import AccountRow, AwardRow
from services.loyalty.entrypoints.app import create_app
from services.loyalty.settings import LoyaltySettings
from tests.integration.services.conftest import new_database
from tests.integration.services.support import ServiceTables
from tests.unit.services.support import LiveServer


@dataclass
class Loyalty(ServiceTables):
    """A running loyalty service: its HTTP client and a direct view of its database."""

    http: httpx.Client
    db: Engine
    backend: str
    server: LiveServer

    def award(
        self,
        checkout_id: str,
        customer_id: str,
        amount_minor: int = 1999,
        currency: str = "EUR",
        *,
        order_id: str | None = None,
        key: str | None = None,
    ) -> httpx.Response:
        body = {
            "checkout_id": checkout_id,
            "customer_id": customer_id,
            "order_id": order_id or f"order-{checkout_id}",
            "amount": {"amount_minor": amount_minor, "currency": currency},
        }
        return self.http.post(
            "/v1/awards", json=body, headers={"Idempotency-Key": key or f"{checkout_id}:award"}
        )

    def revoke(self, checkout_id: str, key: str | None = None) -> httpx.Response:
        return self.http.post(
            f"/v1/awards/{checkout_id}/revoke", headers={"Idempotency-Key": key or f"{checkout_id}:revoke"}
        )

    def account(self, customer_id: str) -> dict[str, Any]:
        """The customer's account over HTTP, checked against its row (zeros when there is none)."""
        answer = self.http.get(f"/v1/accounts/{customer_id}")
        assert answer.status_code == 200
        document: dict[str, Any] = answer.json()
        with self.db.connect() as connection:
            row = connection.execute(
                select(AccountRow.balance, AccountRow.awarded, AccountRow.revoked).where(
                    AccountRow.customer_id == customer_id
                )
            ).first()
        assert (document["balance"], document["awarded"], document["revoked"]) == (
            tuple(row) if row else (0, 0, 0)
        )
        return document

    def award_row(self, checkout_id: str) -> dict[str, Any] | None:
        query = select(AwardRow.__table__).where(AwardRow.checkout_id == checkout_id)
        with self.db.connect() as connection:
            row = connection.execute(query).mappings().first()
        return None if row is None else dict(row)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def loyalty(request: pytest.FixtureRequest) -> Iterator[Loyalty]:
    backend: str = request.param
    url = new_database(request, backend)
    app = create_app(LoyaltySettings(database_url=url))
    db = create_engine(url)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        yield Loyalty(http=http, db=db, backend=backend, server=server)
    db.dispose()
