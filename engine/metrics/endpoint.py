"""``GET /metrics`` on the engine's HTTP port, in Prometheus text or OpenMetrics as the scraper asks."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder


def install(app: FastAPI, registry: CollectorRegistry) -> None:
    """Add the route to an app served on the engine's event loop (the read API)."""

    # Async on purpose: FastAPI runs sync endpoints in a thread pool, but the state gauges read the
    # partition, which only the event loop thread may touch; here they run between two commands.
    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        encoder, content_type = choose_encoder(request.headers.get("accept", ""))
        return Response(encoder(registry), media_type=content_type)
