"""A database that cannot be reached: readiness says so, requests get a retryable 503, and the
password in the URL never reaches a log line or a response."""

from __future__ import annotations

import logging

import httpx
import pytest

from services.inventory.entrypoints.app import create_app
from services.inventory.settings import InventorySettings
from tests.unit.services.support import LiveServer

PASSWORD = "pw-that-must-not-leak"
UNREACHABLE = f"postgresql://saga:{PASSWORD}@127.0.0.1:1/inventory?connect_timeout=2"


def test_an_unreachable_database_is_503_not_ready_and_the_password_stays_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = InventorySettings(database_url=UNREACHABLE, migrate_on_startup=False)
    with LiveServer(create_app(settings)) as server, httpx.Client(base_url=server.url) as http:
        assert http.get("/health/live").status_code == 200
        ready = http.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json()["code"] == "NOT_READY"
        read = http.get("/v1/stock/ANY")
        assert read.status_code == 503
        assert read.json()["code"] == "SERVICE_UNAVAILABLE"
        assert read.headers["Retry-After"] == "1"
        write = http.post(
            "/v1/allocations",
            json={"checkout_id": "c1", "items": [{"sku": "A", "quantity": 1}]},
            headers={"Idempotency-Key": "c1:allocate"},
        )
        assert write.status_code == 503
        for response in (ready, read, write):
            assert PASSWORD not in response.text
    assert "127.0.0.1" in caplog.text or "database" in caplog.text  # something was logged...
    assert PASSWORD not in caplog.text  # ...but never the password
