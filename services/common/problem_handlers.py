"""FastAPI exception handlers that answer every error as RFC 9457 ``application/problem+json``.

* invalid input -> 422 ``VALIDATION_FAILED`` with ``errors[].path`` (the input itself is never echoed:
  it may hold something secret);
* :class:`Rejection` -> its 4xx and code;
* :class:`TemporaryFailure`, an unreachable/locked database or an exhausted pool -> 503 with
  ``Retry-After`` (safe to retry: nothing was committed);
* Starlette's own errors (unknown route, wrong method) -> their status, code from the status name;
* anything else -> 500 ``INTERNAL_ERROR`` with no internals in the body (the log has the traceback).
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.database import is_transient
from services.common.errors import Rejection, TemporaryFailure
from services.common.problems import (
    INTERNAL_ERROR,
    PROBLEM_MEDIA_TYPE,
    SERVICE_UNAVAILABLE,
    FieldError,
    Problem,
    field_path,
    rejection_problem,
    validation_problem,
)

log = logging.getLogger(__name__)


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        problem.body(), status_code=problem.status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


def _unavailable(request: Request, code: str, detail: str, retry_after: int = 1) -> JSONResponse:
    problem = Problem(503, code, "Service temporarily unavailable", detail, request.url.path)
    return problem_response(problem, headers={"Retry-After": str(retry_after)})


def _field_error(error: Any) -> FieldError:
    """One of FastAPI's errors as a path and a message.

    A body that is not JSON at all is reported by FastAPI at ``("body", <character offset>)``; the
    offset is no field, so it goes into the message and the path names the whole body (``""``).
    """
    message = str(error.get("msg", "invalid"))
    location = tuple(error.get("loc", ()))
    if error.get("type") == "json_invalid":
        offset = location[1] if len(location) > 1 else None
        reason = (error.get("ctx") or {}).get("error")
        where = f" at character {offset}" if isinstance(offset, int) else ""
        return FieldError("", f"{message}{where}" + (f": {reason}" if reason else ""))
    return FieldError(field_path(location), message)


def _field_errors(errors: Any) -> list[FieldError]:
    return [_field_error(error) for error in errors]


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return problem_response(validation_problem(_field_errors(exc.errors()), request.url.path))


async def _rejection(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Rejection)
    return problem_response(rejection_problem(exc, request.url.path))


async def _temporary(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TemporaryFailure)
    return _unavailable(request, exc.code, exc.detail, exc.retry_after_seconds)


async def _database(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeout) or is_transient(exc):
        # The message may name hosts and users but never the password; keep it in the log only.
        log.warning(
            "database unavailable for %s %s: %s", request.method, request.url.path, type(exc).__name__
        )
        return _unavailable(request, SERVICE_UNAVAILABLE, "The database is unavailable; retry shortly.")
    log.error("database error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        Problem(500, INTERNAL_ERROR, "Internal error", "An unexpected error occurred.", request.url.path)
    )


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    status = HTTPStatus(exc.status_code)
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != status.phrase else None
    problem = Problem(status.value, status.name, status.phrase, detail, request.url.path)
    return problem_response(problem, headers=dict(exc.headers or {}))


class UnexpectedErrorMiddleware:
    """Answers an unhandled exception with a 500 problem, logs it once, and keeps the connection.

    (Starlette's own last-resort handler re-raises after answering, so the server logs the error a
    second time and drops the keep-alive connection the client is about to reuse.)
    """

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self._app(scope, receive, tracking_send)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            problem = Problem(
                500, INTERNAL_ERROR, "Internal error", "An unexpected error occurred.", scope.get("path")
            )
            await problem_response(problem)(scope, receive, send)


def install_problem_handlers(app: FastAPI) -> None:
    """Route every error of ``app`` through problem+json (see the module docstring)."""
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(Rejection, _rejection)
    app.add_exception_handler(TemporaryFailure, _temporary)
    app.add_exception_handler(PoolTimeout, _database)
    app.add_exception_handler(DBAPIError, _database)
    app.add_exception_handler(HTTPException, _http)
    app.add_middleware(UnexpectedErrorMiddleware)
