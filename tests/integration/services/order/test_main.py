"""The order service started the way operators start it: ``python -m services.order``, a process of its own."""

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
        **os.environ,
        "ORDER_DATABASE_URL": f"sqlite:///{tmp_path / 'order.db'}",
        "ORDER_PORT": str(port),
        "ORDER_LOG_LEVEL": "warning",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "services.order"],
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
        assert ready is not None, "the order service did not start"
        assert ready.status_code == 200
        assert ready.json()["checks"]["schema"] == ["0001"]
        assert (tmp_path / "order.db").exists()
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    # uvicorn shuts down gracefully, then re-raises the signal so the exit status tells why it stopped.
    assert process.returncode in (0, -signal.SIGTERM), output.decode()
    assert b"Traceback" not in output, output.decode()
