"""The gateway's FastAPI app: problem+json errors, API-key auth, health, and the checkout routes.

At start-up (the ASGI lifespan) the database is opened and migrated, the Zeebe and Operate clients
are created, the checkout projection's consumer, the recovery loop (its first pass at once) and the
sweep that wakes waiting requests start; at shutdown they stop in reverse.
Nothing secret is logged: the database URL is masked, Zeebe is described without credentials, the
Operate URL loses any user info.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from events.consumer.settings import ConsumerSettings
from events.metrics import ConsumerCollector
from events.settings import EventsSettings
from gateway.adapters.database import PACKAGE, open_database
from gateway.adapters.operate import OperateClient, open_operate_session
from gateway.adapters.projection_consumer import GROUP_ID, ProjectionConsumer
from gateway.adapters.zeebe import ZeebeProcessStarter, instances_started_counter
from gateway.entrypoints.auth import install_authentication
from gateway.entrypoints.routes import router
from gateway.service_layer import waiting
from gateway.service_layer.context import GatewayContext
from gateway.service_layer.recovery import run_recovery
from gateway.service_layer.settlements import Settlements
from gateway.settings import GatewaySettings
from services.common import health
from services.common.http_metrics import install_metrics
from services.common.migrations import head_revisions
from services.common.problem_handlers import install_problem_handlers
from zeebe_connection import ZeebeSettings
from zeebe_connection.oauth import credentials_for

log = logging.getLogger(__name__)

DESCRIPTION = """Start checkouts and follow them. Each checkout is a run of the `checkout` saga
(bpmn/checkout.bpmn) on Zeebe: reserve cart, quote price, capture payment, allocate inventory, create
order; a failure compensates the completed steps in reverse order.

Authenticate with `Authorization: Bearer <API key>`. Every error is `application/problem+json`
(RFC 9457) with a stable `code`."""


def replica_id() -> str:
    """Names this process in start claims: host, pid and a random suffix (pids repeat across restarts)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def create_app(settings: GatewaySettings | None = None, zeebe: ZeebeSettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()  # api_keys comes from the environment
    zeebe = zeebe or ZeebeSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rollout = settings.rollout()
        log.info(
            "gateway: database %s, Zeebe %s, Operate %s; %s",
            settings.safe_database_url(),
            zeebe.describe(),
            settings.safe_operate_url(),
            rollout.describe(),
        )
        database = await run_in_threadpool(open_database, settings)
        app.state.database = database
        app.state.schema_heads = head_revisions(PACKAGE)
        starter = ZeebeProcessStarter(zeebe, settings.start_timeout_seconds, instances_started)
        # Operate's calls go over aiohttp, trusting the CAs httpx trusted (certifi's, or SSL_CERT_FILE /
        # SSL_CERT_DIR); the rare token requests keep a small httpx client of their own.
        token_http = httpx.AsyncClient(timeout=settings.operate_timeout_seconds)
        credentials = credentials_for(zeebe, settings.operate_audience, token_http)
        operate_http = open_operate_session(settings.operate_url, httpx.create_ssl_context())
        reader = OperateClient(
            operate_http, settings.operate_url, settings.operate_timeout_seconds, credentials
        )
        settlements = Settlements(asyncio.get_running_loop())
        ctx = GatewayContext(
            database=database,
            starter=starter,
            reader=reader,
            replica_id=replica_id(),
            lease=timedelta(seconds=settings.recovery_lease_seconds),
            start_timeout_seconds=settings.start_timeout_seconds,
            payment_timeout=settings.payment_timeout,
            recovery_batch_size=settings.recovery_batch_size,
            rollout=rollout,
            settlements=settlements,
            projection_in_process=settings.projection_enabled,
        )
        app.state.context = ctx
        projection = None
        projection_metrics = None
        if settings.projection_enabled:
            projection = await run_in_threadpool(
                ProjectionConsumer, database, EventsSettings(), ConsumerSettings(), settlements
            )
            projection_metrics = ConsumerCollector([projection.runner])
            registry.register(projection_metrics)
            projection.start()
        app.state.projection = projection
        recovery = asyncio.create_task(run_recovery(ctx, settings.recovery_interval_seconds))
        sweeping = asyncio.create_task(waiting.sweep(ctx))
        try:
            yield
        finally:
            sweeping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeping
            if projection is not None:
                await run_in_threadpool(projection.stop)
            if projection_metrics is not None:
                registry.unregister(projection_metrics)
            recovery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await recovery
            await operate_http.close()
            await token_http.aclose()
            await starter.close()
            database.dispose()

    app = FastAPI(title="Checkout gateway", description=DESCRIPTION, version="1.0.0", lifespan=lifespan)
    app.state.settings = settings
    install_problem_handlers(app)
    registry = install_metrics(app)
    instances_started = instances_started_counter(registry)
    install_authentication(app, settings.keys())
    app.include_router(health.router)

    @app.get("/health/projection", tags=["health"], summary="The checkout projection's consumer lag")
    def projection_status() -> dict[str, Any]:
        """Records of checkout.saga the projection has not applied yet, per partition (empty until
        its first poll; ``enabled`` false when this gateway runs no projection)."""
        projection: ProjectionConsumer | None = getattr(app.state, "projection", None)
        if projection is None:
            return {"group": GROUP_ID, "enabled": False, "lag": []}
        return {"group": GROUP_ID, "enabled": True, "lag": projection.runner.lag_report()}

    app.include_router(router)
    return app
