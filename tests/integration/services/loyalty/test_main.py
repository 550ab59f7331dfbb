"""The loyalty service started the way operators start it: ``python -m services.loyalty``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[4]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_python_dash_m_runs_migrations_serves_on_loopback_and_reads_points_per_unit(tmp_path: Path) -> None:
    port = _free_port()
    environment = {
        **os.environ,
        "LOYALTY_DATABASE_URL": f"sqlite:///{tmp_path / 'loyalty.db'}",
        "LOYALTY_PORT": str(port),
        "LOYALTY_LOG_LEVEL": "warning",
        "LOYALTY_POINTS_PER_UNIT": "10",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "services.loyalty"],
        cwd=REPO_ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        ready = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                ready = httpx.get(f"{base}/health/ready", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        assert ready is not None, "the loyalty service did not start"
        assert ready.status_code == 200
        assert ready.json()["checks"]["schema"] == ["0001"]
        assert (tmp_path / "loyalty.db").exists()
        body = {
            "checkout_id": "chk-1",
            "customer_id": "cust-1",
            "order_id": "ord-1",
            "amount": {"amount_minor": 1999, "currency": "EUR"},
        }
        awarded = httpx.post(
            f"{base}/v1/awards", json=body, headers={"Idempotency-Key": "chk-1:award"}, timeout=10
        )
        assert (awarded.status_code, awarded.json()["points"]) == (201, 190)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    # uvicorn shuts down gracefully, then re-raises the signal so the exit status tells why it stopped.
    assert process.returncode in (0, -signal.SIGTERM), output.decode()
    assert b"Traceback" not in output, output.decode()
