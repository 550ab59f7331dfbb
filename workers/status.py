"""The workers' status endpoint: liveness, and the circuit breakers as operators need to see them."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import FastAPI

from workers.breaker import BreakerState, CircuitBreaker


def status_app(breakers: Mapping[str, CircuitBreaker]) -> FastAPI:
    app = FastAPI(title="Checkout workers status", version="1")

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
