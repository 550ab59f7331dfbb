"""The workers' status endpoint: liveness, the circuit breakers as operators need to see them, and
the Prometheus metrics."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from workers.breaker import BreakerState, CircuitBreaker


def status_app(breakers: Mapping[str, CircuitBreaker], registry: CollectorRegistry) -> FastAPI:
    app = FastAPI(title="Checkout workers status", version="1")

    @app.get("/metrics")
    def metrics() -> Response:
        """Prometheus text exposition: saga and step outcomes and latencies, breakers, job latency."""
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "UP"}

    @app.get("/breakers")
    async def breaker_states() -> dict[str, object]:
        """Every downstream service's circuit: ``closed`` calls flow, ``open`` fails fast, ``half_open``
        lets one trial call through."""
        snapshots = [breaker.snapshot() for breaker in breakers.values()]
        degraded = any(breaker.state is not BreakerState.CLOSED for breaker in breakers.values())
        return {"status": "DEGRADED" if degraded else "UP", "breakers": snapshots}

    return app
