"""The loyalty service started the way operators start it: ``python -m services.loyalty``."""

from __future__ import annotations

from pathlib import Path

import httpx

from services.common.migrations import head_revisions
from tests.integration.services.support import assert_stopped_cleanly, service_process


def test_python_dash_m_runs_migrations_serves_on_loopback_and_reads_points_per_unit(tmp_path: Path) -> None:
    with service_process(
        "loyalty", tmp_path / "loyalty.db", label="the loyalty service", points_per_unit="10"
    ) as service:
        assert service.ready.status_code == 200
        assert service.ready.json()["checks"]["schema"] == sorted(head_revisions("services.loyalty"))
        assert (tmp_path / "loyalty.db").exists()
        body = {
            "checkout_id": "chk-1",
            "customer_id": "cust-1",
            "order_id": "ord-1",
            "amount": {"amount_minor": 1999, "currency": "EUR"},
        }
        awarded = httpx.post(
            f"{service.url}/v1/awards", json=body, headers={"Idempotency-Key": "chk-1:award"}, timeout=10
        )
        assert (awarded.status_code, awarded.json()["points"]) == (201, 190)
    assert_stopped_cleanly(service)
