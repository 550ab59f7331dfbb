"""``GET /metrics`` serves the engine's registry in the format the scraper asks for."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from engine.metrics import endpoint
from engine.metrics.registry import EngineMetrics
from engine.runtime.partition import Partition


def client() -> TestClient:
    app = FastAPI()
    endpoint.install(app, EngineMetrics.of(Partition()).registry)
    return TestClient(app)


def test_metrics_are_served_in_the_prometheus_text_format() -> None:
    with client() as http:
        response = http.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = {family.name for family in text_string_to_metric_families(response.text)}
    assert {
        "engine_process_instances_active",
        "engine_jobs_activatable",
        "engine_incidents_open",
        "engine_command_duration_seconds",
    } <= families


def test_openmetrics_is_served_when_the_scraper_asks_for_it() -> None:
    with client() as http:
        response = http.get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})

    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.endswith("# EOF\n")


def test_the_route_stays_out_of_the_read_apis_openapi_document() -> None:
    with client() as http:
        paths = http.get("/openapi.json").json()["paths"]

    assert "/metrics" not in paths
