"""A real Prometheus (Debian's package, installed by deploy/local/prometheus.sh) scrapes every process
of the running stack and evaluates the project's alert rules: payment declines make the
compensation-rate alert go pending."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import ROOT, Stack, body, free_ports
from tests.e2e.test_metrics import PROCESSES_WITH_METRICS

RULES = ROOT / "deploy" / "prometheus" / "rules" / "checkout-saga.yml"
SCRAPED = PROCESSES_WITH_METRICS
ALERT = "CheckoutCompensationRateHigh"
WAIT_SECONDS = 60.0


def _config(stack: Stack) -> dict[str, Any]:
    """Scrape and evaluate every second, so the test sees in seconds what takes minutes in production."""
    return {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(RULES)],
        "scrape_configs": [
            {"job_name": name, "static_configs": [{"targets": [f"127.0.0.1:{stack.layout.ports.of(name)}"]}]}
            for name in SCRAPED
        ],
    }


@pytest.fixture
def prometheus(stack: Stack, tmp_path: Path) -> Iterator[str]:
    binary = shutil.which("prometheus")
    assert binary is not None, "prometheus is not installed: deploy/local/prometheus.sh installs it"
    (port,) = free_ports(1)
    config = tmp_path / "prometheus.yml"
    config.write_text(json.dumps(_config(stack)))  # JSON is YAML
    with (tmp_path / "prometheus.log").open("w") as log:
        process = subprocess.Popen(
            [
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={tmp_path / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _eventually(lambda: _get(url, "/-/ready") is not None, "Prometheus never became ready")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def _get(url: str, path: str, **params: str) -> Any:
    try:
        response = httpx.get(f"{url}{path}", params=params, timeout=5)
    except httpx.TransportError:
        return None
    if response.status_code != 200:
        return None
    return response.json() if "json" in response.headers.get("content-type", "") else response.text


def _eventually(check: Any, failure: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not check():
        assert time.monotonic() < deadline, failure
        time.sleep(0.5)


def _targets_up(url: str) -> dict[str, str]:
    targets = (_get(url, "/api/v1/targets") or {}).get("data", {}).get("activeTargets", [])
    return {target["labels"]["job"]: target["health"] for target in targets}


def _alert_state(url: str) -> str | None:
    alerts = (_get(url, "/api/v1/alerts") or {}).get("data", {}).get("alerts", [])
    states = [alert["state"] for alert in alerts if alert["labels"]["alertname"] == ALERT]
    return states[0] if states else None


def test_prometheus_scrapes_every_process_and_sees_payment_declines_raise_the_compensation_alert(
    stack: Stack, prometheus: str
) -> None:
    _eventually(
        lambda: _targets_up(prometheus) == dict.fromkeys(SCRAPED, "up"),
        f"not every target is up: {_targets_up(prometheus)}",
    )
    time.sleep(3)  # a few evaluations without traffic
    assert _alert_state(prometheus) is None

    assert stack.run(body(("SKU-2", 1)))["status"] == "COMPLETED"
    for _ in range(2):
        assert stack.run(body(token="tok_chargeDeclined"))["status"] == "COMPENSATED"

    _eventually(lambda: _alert_state(prometheus) == "pending", f"{ALERT} never went pending")
