"""The libraries' own OpenTelemetry instrumentations, switched on only when tracing is configured:
even with a no-op provider they cost time on every request and statement, which ``make run`` and the
load benchmark should not pay for spans nobody exports."""

from __future__ import annotations

from fastapi import FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from sqlalchemy import Engine

from telemetry.tracing import tracing_enabled

UNTRACED_URLS = "/health/.*,/metrics"
"""Probes and scrapes: frequent, and nothing an operator follows a checkout through."""


def instrument_http_server(app: FastAPI) -> None:
    """A server span per request, continuing the caller's trace from its ``traceparent`` header."""
    if tracing_enabled():
        FastAPIInstrumentor.instrument_app(app, excluded_urls=UNTRACED_URLS)


def instrument_http_clients() -> None:
    """A client span per httpx request, and its ``traceparent`` header; call before creating clients."""
    if tracing_enabled():
        HTTPXClientInstrumentor().instrument()


def instrument_database(engine: Engine) -> None:
    """A span per SQL statement on ``engine``."""
    if tracing_enabled():
        SQLAlchemyInstrumentor().instrument(engine=engine, enable_commenter=False)
