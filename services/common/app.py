"""The app factory every service uses: database, migrations, problem handlers and health, wired once.

A service's ``entrypoints/app.py`` calls :func:`create_service_app` with its settings, package and
routers. At start-up (the ASGI lifespan) the database is opened and, unless told otherwise, the
service's migrations are applied, and an hourly purge of old idempotency keys starts; at shutdown
the purge stops and the pool is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from starlette.concurrency import run_in_threadpool

from services.common import health
from services.common.database import Database
from services.common.http_metrics import install_metrics
from services.common.idempotency.retention import keep_forgetting
from services.common.migrations import head_revisions, upgrade_to_head
from services.common.problem_handlers import install_problem_handlers
from services.common.settings import ServiceSettings

log = logging.getLogger(__name__)

KEY_PURGE_INTERVAL_SECONDS = 3600.0


def _open_database(settings: ServiceSettings, package: str) -> Database:
    database = Database.from_settings(settings)
    if settings.migrate_on_startup:
        upgrade_to_head(database.engine, package)
    return database


def create_service_app(
    settings: ServiceSettings,
    *,
    package: str,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    version: str = "1.0.0",
) -> FastAPI:
    """A FastAPI app for the service in ``package`` (``services.inventory``)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log.info("%s: database %s", package, settings.safe_database_url())
        database = await run_in_threadpool(_open_database, settings, package)
        app.state.database = database
        app.state.schema_heads = head_revisions(package)
        forgetting = None
        if settings.keep_idempotency_keys_days > 0:
            forgetting = asyncio.create_task(
                keep_forgetting(
                    database, settings.keep_idempotency_keys_days, KEY_PURGE_INTERVAL_SECONDS, package
                )
            )
        try:
            yield
        finally:
            if forgetting is not None:
                forgetting.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await forgetting
            database.dispose()

    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan)
    app.state.settings = settings
    install_problem_handlers(app)
    install_metrics(app)
    app.include_router(health.router)
    for router in routers:
        app.include_router(router)
    return app
