"""FastAPI helpers for a service's routes: the ``Idempotency-Key`` header, replies, documented problems."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from services.common.api_types import (
    IDEMPOTENCY_KEY_HEADER,
    IDEMPOTENCY_KEY_MAX_LENGTH,
    IDEMPOTENCY_KEY_PATTERN,
)
from services.common.database import Database
from services.common.idempotency.fingerprint import request_fingerprint
from services.common.idempotency.runner import IdempotentRequest
from services.common.problems import PROBLEM_MEDIA_TYPE
from services.common.reply import Reply

REPLAYED_HEADER = "Idempotent-Replayed"

IdempotencyKey = Annotated[
    str,
    Header(
        alias=IDEMPOTENCY_KEY_HEADER,
        min_length=1,
        max_length=IDEMPOTENCY_KEY_MAX_LENGTH,
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="Derived from the checkout id and the step; a retry sends the same key.",
    ),
]


def idempotent_request(request: Request, key: str, body: BaseModel | None) -> IdempotentRequest:
    """The key, the fingerprint of method + path + validated body, and the path as problem instance."""
    document = body.model_dump(mode="json") if body is not None else None
    path = request.url.path
    return IdempotentRequest(
        key=key, fingerprint=request_fingerprint(request.method, path, document), instance=path
    )


def reply_response(reply: Reply) -> JSONResponse:
    """The HTTP response of a use case's reply (problem+json for 4xx; a header marks replays)."""
    media_type = PROBLEM_MEDIA_TYPE if reply.status >= 400 else "application/json"
    headers = {REPLAYED_HEADER: "true"} if reply.replayed else None
    return JSONResponse(reply.body, status_code=reply.status, media_type=media_type, headers=headers)


def database(request: Request) -> Database:
    """Dependency: the service's :class:`Database`, opened by the app's lifespan."""
    db = request.app.state.database
    assert isinstance(db, Database)
    return db


class ProblemDocument(BaseModel):
    """An RFC 9457 problem, for the OpenAPI document (responses are built by the problem handlers)."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    code: str


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each status documented as problem+json."""
    return {
        status: {"model": ProblemDocument, "content": {PROBLEM_MEDIA_TYPE: {}}, "description": "Problem"}
        for status in statuses
    }
