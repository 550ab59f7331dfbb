"""Run a service's app with uvicorn: what every ``python -m services.<name>`` does."""

from __future__ import annotations

import logging

import uvicorn
from fastapi import FastAPI

from services.common.settings import ServiceSettings


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Serve ``app`` on the configured host and port until SIGINT/SIGTERM."""
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        timeout_graceful_shutdown=10,
    )
