"""`checkout-saga up` (what `make run` calls), `demo` and `deploy`, run as a user runs them.

`up` uses the stack's default ports (engine 26500/8081, gateway 8000...), so nothing else on this
machine may hold them while this test runs.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.e2e.conftest import ROOT, Stack

CLI = [sys.executable, "-m", "checkout_saga.cli"]
READY_LINE = "The checkout stack is up."
BANNER_END = "Ctrl-C stops everything."
START_LIMIT_S = 120


def _environment(var_dir: Path) -> dict[str, str]:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("ZEEBE_", "GATEWAY_", "CAMUNDA_"))
    }
    return {**environment, "STACK_VAR_DIR": str(var_dir), "STACK_BPMN_DIR": str(ROOT / "bpmn")}


def _wait_for_banner(up: subprocess.Popen[str]) -> str:
    """What ``up`` printed from its ready line to the end of its banner."""
    assert up.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + START_LIMIT_S
    while time.monotonic() < deadline:
        line = up.stdout.readline()
        if not line:
            raise AssertionError("checkout-saga up exited:\n" + "".join(lines))
        lines.append(line)
        if BANNER_END in line:
            return "".join(lines[next(i for i, seen in enumerate(lines) if READY_LINE in seen) :])
    raise AssertionError("checkout-saga up not ready in time:\n" + "".join(lines))


@dataclass(frozen=True)
class SummaryRow:
    scenario: str
    count: int
    p50_ms: int
    p99_ms: int


def _summary_rows(demo_output: str) -> list[SummaryRow]:
    """The rows of ``demo``'s summary table: scenario, count, expected and actual ends, p50, p99."""
    lines = demo_output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("scenario ")) + 2  # past the rule
    rows = []
    for line in lines[start:]:
        if not line.strip():
            break
        scenario, count, _expected, _ended, p50, p99 = re.split(r"\s{2,}", line.strip())
        rows.append(SummaryRow(scenario, int(count), int(p50), int(p99)))
    return rows


def _printed(banner: str, label: str) -> str:
    """The first word after ``label`` on its banner line."""
    (line,) = [line for line in banner.splitlines() if line.strip().startswith(label)]
    return line.strip().removeprefix(label).split()[0]


def test_up_serves_the_stack_demo_runs_checkouts_and_ctrl_c_stops_everything(
    stack: Stack, tmp_path: Path
) -> None:
    environment = _environment(tmp_path)
    up = subprocess.Popen([*CLI, "up"], cwd=ROOT, env=environment, stdout=subprocess.PIPE, text=True)
    try:
        banner = _wait_for_banner(up)
        key = _printed(banner, "demo API key")
        listed = httpx.get(
            "http://127.0.0.1:8000/v1/checkouts",
            params={"customer": "cust-1"},
            headers={"Authorization": f"Bearer {key}"},
            timeout=5,
        )
        demo = subprocess.run(
            [*CLI, "demo", "--count", "12"],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=180,
        )
        docs = httpx.get("http://127.0.0.1:8000/docs", timeout=5)
        read_api = httpx.get("http://127.0.0.1:8081/v1/health", timeout=5)
    finally:
        up.send_signal(signal.SIGINT)
        rest, _ = up.communicate(timeout=60)

    assert _printed(banner, "gateway API docs") == "http://127.0.0.1:8000/docs"
    assert _printed(banner, "engine read API") == "http://127.0.0.1:8081/docs"
    assert key == (tmp_path / "demo-api-key").read_text().strip()
    assert listed.status_code == 200  # the printed key is one the gateway accepts
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert re.search(
        r"12 checkouts, 0 not as expected; latency POST to end: p50 \d+ ms, p95 \d+ ms, p99 \d+ ms",
        demo.stdout,
    )
    rows = _summary_rows(demo.stdout)
    assert sum(row.count for row in rows) == 12
    assert all(row.p50_ms <= row.p99_ms for row in rows)
    assert docs.status_code == 200
    assert read_api.json() == {"status": "UP"}
    assert up.returncode == 0
    assert "stopping..." in rest
    for port in (8000, 8081, 8101, 8110):
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
        except httpx.ConnectError:
            continue
        raise AssertionError(f"something still answers on port {port} after Ctrl-C")


def test_deploy_sends_the_diagrams_to_the_zeebe_of_zeebe_address(stack: Stack, tmp_path: Path) -> None:
    environment = {**_environment(tmp_path), "ZEEBE_ADDRESS": f"127.0.0.1:{stack.layout.ports.engine_grpc}"}

    deployed = subprocess.run(
        [*CLI, "deploy"], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )

    assert deployed.returncode == 0, deployed.stderr
    assert "deployed checkout version 1" in deployed.stdout
    assert f"127.0.0.1:{stack.layout.ports.engine_grpc} (plaintext)" in deployed.stdout
