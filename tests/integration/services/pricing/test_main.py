"""Pricing started the way operators start it: ``python -m services.pricing``, a process of its own, with
no server at all (SQLite, no Redis)."""

from __future__ import annotations

from pathlib import Path

import httpx

from services.common.migrations import head_revisions
from tests.integration.services.support import assert_stopped_cleanly, service_process


def test_python_dash_m_runs_migrations_and_serves_on_loopback(tmp_path: Path) -> None:
    with service_process(
        "pricing", tmp_path / "pricing.db", label="pricing", inherit_settings=False
    ) as service:
        assert service.ready.status_code == 200
        assert service.ready.json()["checks"]["schema"] == sorted(head_revisions("services.pricing"))
        assert httpx.get(f"{service.url}/v1/tax-rates/EU-DE", timeout=5).json()["rate_bp"] == 1900
        assert (tmp_path / "pricing.db").exists()
    assert_stopped_cleanly(service)
