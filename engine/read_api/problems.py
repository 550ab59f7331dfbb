"""Errors as RFC 9457 problem details (``application/problem+json``), worded like Operate's."""

from __future__ import annotations

import logging
import sqlite3
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from engine.read_api.models import Problem
from engine.read_api.queries import QueryError

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class NotFoundError(LookupError):
    """The requested object does not exist (HTTP 404); the message is shown to the client."""


def problem(request: Request, status: int, detail: str) -> JSONResponse:
    body = Problem(
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=request.url.path,
        message=detail,
    )
    return JSONResponse(body.model_dump(), status_code=status, media_type=PROBLEM_JSON)


def _validation_detail(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        location = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        parts.append(
            f"{location}: {error.get('msg', 'invalid')}" if location else str(error.get("msg", "invalid"))
        )
    return "; ".join(parts) or "invalid request"


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` with a problem document."""

    @app.exception_handler(QueryError)
    async def invalid_query(request: Request, exc: QueryError) -> JSONResponse:
        return problem(request, 400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem(request, 400, _validation_detail(exc))

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> JSONResponse:
        return problem(request, 404, str(exc.args[0]) if exc.args else "Requested resource not found")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        response = problem(request, exc.status_code, str(exc.detail))
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("read API request failed", exc_info=exc)
        return problem(request, 500, "API application error")

    @app.exception_handler(sqlite3.OperationalError)
    async def database_unavailable(request: Request, exc: sqlite3.OperationalError) -> JSONResponse:
        log.warning("read API query failed: %s", exc)
        return problem(request, 503, f"The engine's database cannot be read: {exc}")
