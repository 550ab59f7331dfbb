"""The gateway started the way operators start it: ``python -m gateway``, a process of its own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from gateway.adapters.database import PACKAGE
from services.common.migrations import head_revisions
from tests.integration.gateway.conftest import API_KEYS, SHOP_KEY, free_port

REPO_ROOT = Path(__file__).resolve().parents[3]


def environment(tmp_path: Path, port: int, **extra: str) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("GATEWAY_", "ZEEBE_", "CAMUNDA_"))}
    return {
        **inherited,
        "GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path / 'gateway.db'}",
        "GATEWAY_PORT": str(port),
        "GATEWAY_LOG_LEVEL": "info",
        "EVENTS_LOCAL_LOG_PATH": str(tmp_path / "events.sqlite"),
        "ZEEBE_ADDRESS": f"127.0.0.1:{free_port()}",  # no Zeebe: readiness is about the database
        **extra,
    }


def test_python_dash_m_gateway_migrates_and_answers_ready_on_loopback(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway"],
        cwd=REPO_ROOT,
        env=environment(tmp_path, port, GATEWAY_API_KEYS=API_KEYS),
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
        assert ready is not None, "the gateway did not start"
        assert ready.status_code == 200
        assert ready.json()["checks"]["schema"] == sorted(head_revisions(PACKAGE))
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert process.returncode in (0, -signal.SIGTERM), output.decode()
    assert b"Traceback" not in output, output.decode()
    assert SHOP_KEY.encode() not in output


def test_without_api_keys_the_gateway_refuses_to_start(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gateway"],
        cwd=REPO_ROOT,
        env=environment(tmp_path, free_port()),
        capture_output=True,
        timeout=30,
    )

    assert result.returncode == 2
    assert b"GATEWAY_API_KEYS" in result.stderr


def test_a_malformed_key_list_is_refused_without_showing_the_keys(tmp_path: Path) -> None:
    secret = "a-secret-that-is-long-enough"
    result = subprocess.run(
        [sys.executable, "-m", "gateway"],
        cwd=REPO_ROOT,
        env=environment(tmp_path, free_port(), GATEWAY_API_KEYS=f"shop={secret},{secret}"),
        capture_output=True,
        timeout=30,
    )

    assert result.returncode == 2
    assert b"GATEWAY_API_KEYS" in result.stderr
    assert secret.encode() not in result.stdout + result.stderr
