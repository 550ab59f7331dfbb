"""Pricing started the way operators start it: ``python -m services.pricing``, a process of its own, with
no server at all (SQLite, no Redis)."""

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


def test_python_dash_m_runs_migrations_and_serves_on_loopback(tmp_path: Path) -> None:
    port = _free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PRICING_")},
        "PRICING_DATABASE_URL": f"sqlite:///{tmp_path / 'pricing.db'}",
        "PRICING_PORT": str(port),
        "PRICING_LOG_LEVEL": "warning",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "services.pricing"],
        cwd=REPO_ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        ready = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        assert ready is not None, "pricing did not start"
        assert ready.status_code == 200
        assert ready.json()["checks"]["schema"] == ["0001"]
        assert httpx.get(f"http://127.0.0.1:{port}/v1/tax-rates/EU-DE", timeout=5).json()["rate_bp"] == 1900
        assert (tmp_path / "pricing.db").exists()
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    # uvicorn shuts down gracefully, then re-raises the signal so the exit status tells why it stopped.
    assert process.returncode in (0, -signal.SIGTERM), output.decode()
    assert b"Traceback" not in output, output.decode()
