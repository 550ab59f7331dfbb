"""HTTP server metrics: requests counted and timed by route template, method and status."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry

from services.common.http_metrics import install_metrics


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def client(registry: CollectorRegistry) -> TestClient:
    app = FastAPI()
    install_metrics(app, registry)

    @app.get("/v1/items/{item_id}")
    def item(item_id: str) -> dict[str, str]:
        return {"id": item_id}

    @app.get("/v1/broken")
    def broken() -> None:
        raise RuntimeError("boom")

    return TestClient(app, raise_server_exceptions=False)


def requests(registry: CollectorRegistry, method: str, route: str, status: str) -> float | None:
    return registry.get_sample_value(
        "http_server_requests_total", {"method": method, "route": route, "status": status}
    )


def test_requests_are_counted_by_route_template_not_by_path(
    client: TestClient, registry: CollectorRegistry
) -> None:
    client.get("/v1/items/a")
    client.get("/v1/items/b")

    assert requests(registry, "GET", "/v1/items/{item_id}", "200") == 2


def test_requests_are_timed_by_route_template(client: TestClient, registry: CollectorRegistry) -> None:
    client.get("/v1/items/a")

    labels = {"method": "GET", "route": "/v1/items/{item_id}"}
    assert registry.get_sample_value("http_server_request_duration_seconds_count", labels) == 1


def test_paths_no_route_matches_share_one_label(client: TestClient, registry: CollectorRegistry) -> None:
    client.get("/no/such/path")
    client.get("/another/one")

    assert requests(registry, "GET", "unmatched", "404") == 2


def test_a_route_that_raises_is_counted_as_a_500(client: TestClient, registry: CollectorRegistry) -> None:
    assert client.get("/v1/broken").status_code == 500

    assert requests(registry, "GET", "/v1/broken", "500") == 1


def test_metrics_are_served_in_prometheus_text_format_and_not_counted(
    client: TestClient, registry: CollectorRegistry
) -> None:
    client.get("/v1/items/a")
    response = client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"] == CONTENT_TYPE_LATEST
    assert (
        'http_server_requests_total{method="GET",route="/v1/items/{item_id}",status="200"} 1.0'
        in response.text
    )
    assert "/metrics" not in response.text


def test_the_process_metrics_are_served_beside_the_apps(client: TestClient) -> None:
    assert "process_cpu_seconds_total" in client.get("/metrics").text
