"""HTTP server metrics: requests counted and timed by route template, method and status."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry

from services.common.http_metrics import install_metrics


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
async def client(registry: CollectorRegistry) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_metrics(app, registry)

    @app.get("/v1/items/{item_id}")
    def item(item_id: str) -> dict[str, str]:
        return {"id": item_id}

    @app.get("/v1/broken")
    def broken() -> None:
        raise RuntimeError("boom")

    # The app in-process over httpx's ASGI transport (Starlette's TestClient over httpx is deprecated);
    # a route that raises answers 500 instead of raising into the test.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def requests(registry: CollectorRegistry, method: str, route: str, status: str) -> float | None:
    return registry.get_sample_value(
        "http_server_requests_total", {"method": method, "route": route, "status": status}
    )


async def test_requests_are_counted_by_route_template_not_by_path(
    client: httpx.AsyncClient, registry: CollectorRegistry
) -> None:
    await client.get("/v1/items/a")
    await client.get("/v1/items/b")

    assert requests(registry, "GET", "/v1/items/{item_id}", "200") == 2


async def test_requests_are_timed_by_route_template(
    client: httpx.AsyncClient, registry: CollectorRegistry
) -> None:
    await client.get("/v1/items/a")

    labels = {"method": "GET", "route": "/v1/items/{item_id}"}
    assert registry.get_sample_value("http_server_request_duration_seconds_count", labels) == 1


async def test_paths_no_route_matches_share_one_label(
    client: httpx.AsyncClient, registry: CollectorRegistry
) -> None:
    await client.get("/no/such/path")
    await client.get("/another/one")

    assert requests(registry, "GET", "unmatched", "404") == 2


async def test_a_route_that_raises_is_counted_as_a_500(
    client: httpx.AsyncClient, registry: CollectorRegistry
) -> None:
    assert (await client.get("/v1/broken")).status_code == 500

    assert requests(registry, "GET", "/v1/broken", "500") == 1


async def test_metrics_are_served_in_prometheus_text_format_and_not_counted(
    client: httpx.AsyncClient, registry: CollectorRegistry
) -> None:
    await client.get("/v1/items/a")
    response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"] == CONTENT_TYPE_LATEST
    assert (
        'http_server_requests_total{method="GET",route="/v1/items/{item_id}",status="200"} 1.0'
        in response.text
    )
    assert "/metrics" not in response.text


async def test_the_process_metrics_are_served_beside_the_apps(client: httpx.AsyncClient) -> None:
    assert "process_cpu_seconds_total" in (await client.get("/metrics")).text
