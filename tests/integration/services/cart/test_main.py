"""The cart started the way operators start it: ``python -m services.cart``, a process of its own."""

from __future__ import annotations

from pathlib import Path

from services.common.migrations import head_revisions
from tests.integration.services.support import assert_stopped_cleanly, service_process


def test_python_dash_m_runs_migrations_and_serves_on_loopback(tmp_path: Path) -> None:
    with service_process("cart", tmp_path / "cart.db", label="the cart") as service:
        assert service.ready.status_code == 200
        assert service.ready.json()["checks"]["schema"] == sorted(head_revisions("services.cart"))
        assert (tmp_path / "cart.db").exists()
    assert_stopped_cleanly(service)
