"""Run a service's app with uvicorn: what every ``python -m services.<name>`` does."""

from __future__ import annotations

import logging

import uvicorn
from fastapi import FastAPI

from services.common.settings import ServiceSettings
from telemetry.instrumentation import instrument_http_clients, instrument_http_server
from telemetry.tracing import configure_tracing


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Serve ``app`` on the configured host and port until SIGINT/SIGTERM, traced if ``OTEL_*`` say so
    (the service's name, ``cart`` for ``CART_*`` settings, unless ``OTEL_SERVICE_NAME`` gives one)."""
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    shutdown_tracing = configure_tracing(str(settings.model_config.get("env_prefix", "")).strip("_").lower())
    instrument_http_server(app)
    instrument_http_clients()
    try:
        uvicorn.run(
            app,
            host=settings.host,
            port=settings.port,
            log_level=settings.log_level,
            timeout_graceful_shutdown=10,
        )
    finally:
        shutdown_tracing()
