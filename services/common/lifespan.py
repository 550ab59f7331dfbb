"""Resources a service opens next to its database (a cache client, an HTTP client) and must close.

The kit's :func:`services.common.app.create_service_app` owns the app's lifespan (database and
migrations); :func:`close_at_shutdown` wraps it so ``close`` runs once the kit's lifespan has ended,
whether the app stopped normally or failed to start.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI


def close_at_shutdown(app: FastAPI, close: Callable[[], None]) -> None:
    """Run ``close`` after ``app``'s current lifespan ends (call after ``create_service_app``)."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        try:
            async with inner(application):
                yield
        finally:
            close()

    app.router.lifespan_context = lifespan
