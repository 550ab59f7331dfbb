"""Pricing served over real HTTP, once per test module and backend: SQLite with no cache (how the stack
runs with no servers) and PostgreSQL with its price cache in Redis (the CI setup), under a key prefix of
its own that is deleted afterwards.

Tests share the server and tell their data apart with unique SKUs, promotion codes and checkout ids.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import redis
from sqlalchemy import Engine, create_engine, select, update

from services.common.tables import outbox
from services.pricing.adapters.orm import PriceRow, QuoteLineRow, QuoteRow
from services.pricing.entrypoints.app import create_app
from services.pricing.settings import PricingSettings
from tests.integration.services.conftest import new_database
from tests.integration.services.support import ServiceTables
from tests.settings import TestServers
from tests.unit.services.support import LiveServer, unique


def money(amount_minor: int, currency: str = "EUR") -> dict[str, Any]:
    return {"amount_minor": amount_minor, "currency": currency}


@dataclass
class Pricing(ServiceTables):
    """A running pricing service: its HTTP client and a direct view of its database."""

    http: httpx.Client
    db: Engine
    backend: str
    server: LiveServer
    redis_prefix: str | None

    def put_price(self, sku: str, amount_minor: int, currency: str = "EUR") -> httpx.Response:
        return self.http.put(f"/v1/prices/{sku}", json={"unit_price": money(amount_minor, currency)})

    def new_sku(self, amount_minor: int = 1000, currency: str = "EUR") -> str:
        sku = unique("SKU")
        assert self.put_price(sku, amount_minor, currency).status_code == 201
        return sku

    def put_promotion(self, code: str, **terms: Any) -> httpx.Response:
        return self.http.put(f"/v1/promotions/{code}", json=terms)

    def new_promotion(self, **terms: Any) -> str:
        code = unique("PROMO").upper()
        response = self.put_promotion(code, **terms)
        assert response.status_code == 201, response.text
        return code

    def quote(
        self,
        checkout_id: str,
        items: list[tuple[str, int]],
        *,
        region: str = "EU-DE",
        promo: str | None = None,
        key: str | None = None,
        customer_id: str = "cust-1",
    ) -> httpx.Response:
        body = {
            "checkout_id": checkout_id,
            "customer_id": customer_id,
            "items": [{"sku": s, "quantity": q} for s, q in items],
            "shipping_region": region,
            "promo_code": promo,
        }
        return self.http.post(
            "/v1/quotes", json=body, headers={"Idempotency-Key": key or f"{checkout_id}:quote"}
        )

    def void(self, checkout_id: str, key: str | None = None) -> httpx.Response:
        return self.http.post(
            f"/v1/quotes/{checkout_id}/void", headers={"Idempotency-Key": key or f"{checkout_id}:void"}
        )

    def redemptions(self, code: str) -> int:
        return int(self.http.get(f"/v1/promotions/{code}").json()["redemptions"])

    def active_quotes_using(self, code: str) -> int:
        query = select(QuoteRow.checkout_id).where(QuoteRow.promo_code == code, QuoteRow.status == "ACTIVE")
        with self.db.connect() as connection:
            return len(connection.execute(query).all())

    def set_price_behind_the_api(self, sku: str, amount_minor: int) -> None:
        """Change the price row directly: no invalidation, as if the cache were the only one to know."""
        with self.db.begin() as connection:
            connection.execute(
                update(PriceRow).where(PriceRow.sku == sku).values(unit_price_minor=amount_minor)
            )

    def admin_events(self, event_type: str, **payload: Any) -> list[dict[str, Any]]:
        """Events with no checkout of ``event_type`` whose payload has the given members."""
        query = (
            select(outbox)
            .where(outbox.c.checkout_id.is_(None), outbox.c.event_type == event_type)
            .order_by(outbox.c.occurred_at)
        )
        with self.db.connect() as connection:
            rows = [dict(row) for row in connection.execute(query).mappings()]
        return [row for row in rows if all(row["payload"].get(k) == v for k, v in payload.items())]

    def has_quote(self, checkout_id: str) -> bool:
        query = select(QuoteRow.checkout_id).where(QuoteRow.checkout_id == checkout_id)
        with self.db.connect() as connection:
            return connection.execute(query).first() is not None

    def locked_prices(self, checkout_id: str) -> dict[str, int]:
        """The quote's lines as stored: SKU -> locked unit price."""
        query = select(QuoteLineRow.sku, QuoteLineRow.unit_price_minor).where(
            QuoteLineRow.checkout_id == checkout_id
        )
        with self.db.connect() as connection:
            return {sku: price for sku, price in connection.execute(query)}


@contextmanager
def serve_pricing(
    request: pytest.FixtureRequest, backend: str, redis_url: str | None = None
) -> Iterator[Pricing]:
    """A pricing service on a new database of ``backend``, caching in Redis at ``redis_url`` if given."""
    url = new_database(request, backend)
    run_id: str = request.getfixturevalue("run_id")
    prefix = f"test:{run_id}:pricing-{uuid.uuid4().hex[:8]}:" if redis_url else None
    cleaner: redis.Redis | None = request.getfixturevalue("redis_client") if redis_url else None
    settings = PricingSettings(database_url=url, redis_url=redis_url, cache_prefix=prefix or "pricing:")
    db = create_engine(url)
    try:
        with (
            LiveServer(create_app(settings)) as server,
            httpx.Client(base_url=server.url, timeout=30) as http,
        ):
            yield Pricing(http=http, db=db, backend=backend, server=server, redis_prefix=prefix)
    finally:
        db.dispose()
        if cleaner is not None:
            keys = list(cleaner.scan_iter(match=f"{prefix}*"))
            if keys:
                cleaner.delete(*keys)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def pricing(request: pytest.FixtureRequest) -> Iterator[Pricing]:
    backend: str = request.param
    redis_url = None
    if backend == "postgresql":
        servers: TestServers = request.getfixturevalue("servers")
        redis_url = servers.redis_url
    with serve_pricing(request, backend, redis_url) as service:
        yield service
