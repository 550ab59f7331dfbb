"""The workers' status endpoint: liveness, readiness (Zeebe answers), the circuit breakers as
operators need to see them, and the Prometheus metrics."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import grpc
from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from pyzeebe.proto.gateway_pb2 import TopologyRequest
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from workers.breaker import BreakerState, CircuitBreaker

READY_TIMEOUT_SECONDS = 2.0

ZeebeProblem = Callable[[], Awaitable[str | None]]
"""What keeps the workers from reaching Zeebe right now; None when it answers."""


def zeebe_problem(channel: grpc.aio.Channel) -> ZeebeProblem:
    """Asks the gateway for its topology on the workers' own channel (same address, TLS and token)."""
    # The generated stub is typed for synchronous channels; on an aio channel its calls are awaitable.
    stub: Any = GatewayStub(channel)

    async def problem() -> str | None:
        try:
            await stub.Topology(TopologyRequest(), timeout=READY_TIMEOUT_SECONDS)
        except grpc.aio.AioRpcError as error:
            return error.code().name  # the status only: details may name hosts and credentials' errors
        return None

    return problem


def status_app(
    breakers: Mapping[str, CircuitBreaker], registry: CollectorRegistry, zeebe: ZeebeProblem
) -> FastAPI:
    app = FastAPI(title="Checkout workers status", version="1")

    @app.get("/metrics")
    def metrics() -> Response:
        """Prometheus text exposition: saga and step outcomes and latencies, breakers, job latency."""
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "UP"}

    @app.get("/health/ready", response_model=None)
    async def ready() -> dict[str, str] | JSONResponse:
        """Ready while Zeebe answers: a worker that cannot reach it activates no job. Open circuits do
        not count: they are the services' trouble, and the workers handle it by failing fast."""
        problem = await zeebe()
        if problem is None:
            return {"status": "UP"}
        return JSONResponse({"status": "DOWN", "problems": {"zeebe": problem}}, status_code=503)

    @app.get("/breakers")
    async def breaker_states() -> dict[str, object]:
        """Every downstream service's circuit: ``closed`` calls flow, ``open`` fails fast, ``half_open``
        lets one trial call through."""
        snapshots = [breaker.snapshot() for breaker in breakers.values()]
        degraded = any(breaker.state is not BreakerState.CLOSED for breaker in breakers.values())
        return {"status": "DEGRADED" if degraded else "UP", "breakers": snapshots}

    return app
