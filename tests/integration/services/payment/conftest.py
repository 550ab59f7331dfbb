"""A payment service over real HTTP against a real payment provider sandbox (its one permitted
stand-in, never mocked), on SQLite and on MariaDB (the payment service's CI database).

The provider runs on its own SQLite file, one per module; tests read its database to check what it
did with money: its captures and refunds are the truth the payment service must agree with. Tests
share the servers and tell their data apart with unique checkout ids; provider-wide numbers are
compared before and after (tests in a module run one at a time).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, func, select

from services.common.tables import idempotency_keys
from services.payment.adapters.orm import PaymentRow
from services.payment.entrypoints.app import create_app
from services.payment.settings import PaymentSettings
from services.payment_provider.adapters.orm import CaptureRow, RefundRow
from services.payment_provider.entrypoints.app import create_app as create_provider_app
from services.payment_provider.settings import ProviderSettings
from tests.integration.services.conftest import new_database
from tests.integration.services.support import ServiceTables
from tests.unit.services.support import LiveServer, unique

TIMEOUT_TOKEN_DELAY = 1.5
"""How long the sandbox holds its first answer for tok_timeout here (its default is 60 s)."""
SHORT_TIMEOUT = 0.5
"""The payment service's provider timeout in tests that want tok_timeout to time out."""


@dataclass(frozen=True)
class Books:
    """The provider's books: succeeded captures and their sum, refunds and their sum."""

    captures: int
    captured: int
    refunded: int
    refunds: int

    def __sub__(self, earlier: Books) -> Books:
        return Books(
            self.captures - earlier.captures,
            self.captured - earlier.captured,
            self.refunded - earlier.refunded,
            self.refunds - earlier.refunds,
        )


@dataclass
class Provider:
    """The sandbox: its HTTP API and a direct view of its database."""

    url: str
    http: httpx.Client
    db: Engine

    def books(self) -> Books:
        with self.db.connect() as connection:
            succeeded = select(func.count(), func.coalesce(func.sum(CaptureRow.amount), 0)).where(
                CaptureRow.status == "succeeded"
            )
            captures, captured = connection.execute(succeeded).one()
            refunds, refunded = connection.execute(
                select(func.count(), func.coalesce(func.sum(RefundRow.amount), 0))
            ).one()
        return Books(int(captures), int(captured), int(refunded), int(refunds))

    def capture(self, capture_id: str) -> dict[str, Any]:
        response = self.http.get(f"/v1/captures/{capture_id}")
        assert response.status_code == 200, response.text
        document: dict[str, Any] = response.json()
        return document


@contextmanager
def provider_server(directory: Path, **overrides: Any) -> Iterator[Provider]:
    database = directory / f"provider-{unique('db')}.db"
    options: dict[str, Any] = {"timeout_token_delay_seconds": TIMEOUT_TOKEN_DELAY, **overrides}
    settings = ProviderSettings(database_url=f"sqlite:///{database}", **options)
    db = create_engine(f"sqlite:///{database}")
    app = create_provider_app(settings)
    with (
        LiveServer(app, graceful_shutdown_seconds=1) as server,
        httpx.Client(base_url=server.url, timeout=30) as http,
    ):
        yield Provider(server.url, http, db)
    db.dispose()


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    with provider_server(tmp_path_factory.mktemp("provider")) as running:
        yield running


@dataclass
class Payment(ServiceTables):
    """A running payment service: its HTTP client and a direct view of its database."""

    http: httpx.Client
    db: Engine
    backend: str
    server: LiveServer
    url: str

    def pay(
        self,
        checkout_id: str,
        token: str = "tok_visa",
        amount: Any = 1999,
        key: str | None = None,
        customer_id: str = "cust-1",
        currency: str = "EUR",
    ) -> httpx.Response:
        body = {
            "checkout_id": checkout_id,
            "customer_id": customer_id,
            "amount": {"amount_minor": amount, "currency": currency},
            "payment_token": token,
        }
        return self.http.post(
            "/v1/payments", json=body, headers={"Idempotency-Key": key or f"{checkout_id}:payment.capture"}
        )

    def refund(self, checkout_id: str, key: str | None = None) -> httpx.Response:
        return self.http.post(
            f"/v1/payments/{checkout_id}/refund",
            headers={"Idempotency-Key": key or f"{checkout_id}:payment.refund"},
        )

    def status(self, checkout_id: str) -> str | None:
        query = select(PaymentRow.status).where(PaymentRow.checkout_id == checkout_id)
        with self.db.connect() as connection:
            return connection.execute(query).scalar()

    def event_types(self, checkout_id: str) -> list[str]:
        return [event["event_type"] for event in self.events(checkout_id)]

    def stored_reply(self, key: str) -> int | None:
        """The status stored under ``key``; ``None`` when the key was never stored (or released)."""
        query = select(idempotency_keys.c.response_status).where(idempotency_keys.c.key == key)
        with self.db.connect() as connection:
            return connection.execute(query).scalar()

    def has_key(self, key: str) -> bool:
        query = select(func.count()).select_from(idempotency_keys).where(idempotency_keys.c.key == key)
        with self.db.connect() as connection:
            return bool(connection.execute(query).scalar_one())


PaymentFactory = Callable[..., AbstractContextManager[Payment]]


@contextmanager
def payment_server(url: str, backend: str, provider_url: str, **overrides: Any) -> Iterator[Payment]:
    app = create_app(PaymentSettings(database_url=url, provider_url=provider_url, **overrides))
    db = create_engine(url)
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=60) as http:
        yield Payment(http=http, db=db, backend=backend, server=server, url=url)
    db.dispose()


@pytest.fixture(scope="module", params=["sqlite", "mariadb"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def payment(request: pytest.FixtureRequest, backend: str, provider: Provider) -> Iterator[Payment]:
    """One payment service per module and backend, with the default provider timeout (5 s)."""
    with payment_server(new_database(request, backend), backend, provider.url) as running:
        yield running


@pytest.fixture
def start_payment(request: pytest.FixtureRequest, backend: str, provider: Provider) -> PaymentFactory:
    """``with start_payment(provider_timeout_seconds=0.5) as payment:`` a service on a new database.

    ``database_url=`` reuses a database (a second instance, say); ``provider_url=`` points elsewhere.
    """

    @contextmanager
    def start(**overrides: Any) -> Iterator[Payment]:
        url = overrides.pop("database_url", None) or new_database(request, backend)
        provider_url = overrides.pop("provider_url", provider.url)
        with payment_server(url, backend, provider_url, **overrides) as running:
            yield running

    return start
