"""``GET /health/live`` (the process answers) and ``GET /health/ready`` (it can do its job).

Readiness checks the database: it answers, and its schema is at the migrations the code expects. A
load balancer or the worker's start-up probe waits on readiness; liveness only says "don't restart me".
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from services.common.database import Database
from services.common.migrations import current_revisions
from services.common.problem_handlers import problem_response
from services.common.problems import Problem

log = logging.getLogger(__name__)

router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live")
def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", response_model=None)
def ready(request: Request) -> dict[str, Any] | JSONResponse:
    database: Database | None = getattr(request.app.state, "database", None)
    expected: set[str] = getattr(request.app.state, "schema_heads", set())
    if database is None:
        return _not_ready(request, "the service is still starting")
    try:
        database.ping()
        found = current_revisions(database.engine)
    except Exception as error:  # any failure to reach the database means "not ready", never a 500
        log.warning("readiness: database check failed: %s", type(error).__name__)
        return _not_ready(request, "the database does not answer")
    if expected and found != expected:
        return _not_ready(request, f"the database schema is at {sorted(found)}, expected {sorted(expected)}")
    return {"status": "ready", "checks": {"database": "ok", "schema": sorted(found)}}


def _not_ready(request: Request, detail: str) -> JSONResponse:
    problem = Problem(503, "NOT_READY", "Service not ready", detail, request.url.path)
    return problem_response(problem, headers={"Retry-After": "1"})
