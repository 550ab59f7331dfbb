"""The relay's and consumers' status endpoint: liveness, the JSON report, and Prometheus metrics."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import httpx
import pytest
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter

from events.status import serve_status


@pytest.fixture
def registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    Counter("relayed_things", "Things relayed.", registry=registry).inc(3)
    return registry


@pytest.fixture
def server(registry: CollectorRegistry) -> Iterator[str]:
    server: ThreadingHTTPServer = serve_status("127.0.0.1", 0, lambda: {"relays": []}, registry, dict)
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_liveness_answers_up(server: str) -> None:
    assert httpx.get(f"{server}/health/live").json() == {"status": "UP"}


def test_status_is_the_report_as_json(server: str) -> None:
    assert httpx.get(f"{server}/status").json() == {"relays": []}


def test_metrics_are_the_registry_in_prometheus_text_format(server: str) -> None:
    response = httpx.get(f"{server}/metrics")

    assert response.headers["content-type"] == CONTENT_TYPE_LATEST
    assert "relayed_things_total 3.0" in response.text


def test_other_paths_are_not_found(server: str) -> None:
    assert httpx.get(f"{server}/nothing").status_code == 404


def test_readiness_answers_up_while_no_loop_has_a_problem(server: str) -> None:
    response = httpx.get(f"{server}/health/ready")

    assert (response.status_code, response.json()) == (200, {"status": "UP"})


def test_readiness_answers_503_naming_each_loops_problem(registry: CollectorRegistry) -> None:
    problems = {"relay-payment": "OperationalError"}
    server = serve_status("127.0.0.1", 0, lambda: {}, registry, lambda: problems)
    try:
        response = httpx.get(f"http://127.0.0.1:{server.server_address[1]}/health/ready")
    finally:
        server.shutdown()

    assert (response.status_code, response.json()) == (503, {"status": "DOWN", "problems": problems})
