"""Prometheus metrics of an HTTP server (every service, and the gateway): requests by route template,
method and status, and their latency, served with the process's other metrics on ``GET /metrics``.

Routes are labelled by their template (``/v1/payments/{checkout_id}/refund``), never by the path a
client sent, so a label's values stay few; requests no route matched share ``route="unmatched"``.
A plain ASGI middleware rather than Starlette's ``BaseHTTPMiddleware``, which costs a task per request.
"""

from __future__ import annotations

import time

from fastapi import FastAPI, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
UNMATCHED = "unmatched"
METRICS_PATH = "/metrics"


class _HttpMetricsMiddleware:
    def __init__(self, app: ASGIApp, requests: Counter, latency: Histogram) -> None:
        self._app = app
        self._requests = requests
        self._latency = latency

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == METRICS_PATH:
            await self._app(scope, receive, send)
            return
        began = time.perf_counter()
        status = 500  # what the server answers when the app raises before starting a response

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", None) or UNMATCHED
            method = scope["method"]
            self._requests.labels(method, route, str(status)).inc()
            self._latency.labels(method, route).observe(time.perf_counter() - began)


def install_metrics(app: FastAPI, registry: CollectorRegistry | None = None) -> CollectorRegistry:
    """Count and time ``app``'s requests and serve ``registry`` (a new one by default: each app its
    own, so several apps in one test process do not collide) on ``GET /metrics``."""
    registry = registry if registry is not None else CollectorRegistry()
    requests = Counter(
        "http_server_requests",
        "HTTP requests answered, by method, route template and status.",
        ["method", "route", "status"],
        registry=registry,
    )
    latency = Histogram(
        "http_server_request_duration_seconds",
        "Time to answer an HTTP request, by method and route template.",
        ["method", "route"],
        buckets=LATENCY_BUCKETS,
        registry=registry,
    )
    app.add_middleware(_HttpMetricsMiddleware, requests=requests, latency=latency)

    @app.get(METRICS_PATH, include_in_schema=False)
    def metrics() -> Response:
        # The app's own metrics, then the process's: prometheus_client's default registry holds the
        # process and Python runtime collectors, and whatever runs beside the app in this process (a
        # relay started with --with-service) registers there.
        exposition = generate_latest(registry) + generate_latest(REGISTRY)
        return Response(exposition, media_type=CONTENT_TYPE_LATEST)

    return registry
