"""RFC 9457 problem details, as plain data: what every error body of every service looks like.

Members: ``type`` (a URI naming the problem kind, derived from ``code``), ``title`` (same for every
occurrence of the kind), ``status``, ``detail`` (this occurrence), ``instance`` (the request path) and
the extension ``code``: the stable machine-readable reason callers branch on. Validation problems add
``errors: [{"path": "items.0.quantity", "message": ...}]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.common.errors import Rejection

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:checkout-saga:problem:"

VALIDATION_FAILED = "VALIDATION_FAILED"
IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
INTERNAL_ERROR = "INTERNAL_ERROR"


def type_uri(code: str) -> str:
    """``OUT_OF_STOCK`` -> ``urn:checkout-saga:problem:out-of-stock``."""
    return TYPE_PREFIX + code.lower().replace("_", "-")


@dataclass(frozen=True)
class FieldError:
    """One invalid input: a dotted path into the request (``items.0.quantity``) and why."""

    path: str
    message: str


@dataclass(frozen=True)
class Problem:
    status: int
    code: str
    title: str
    detail: str | None = None
    instance: str | None = None
    extensions: Mapping[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        """The JSON object sent to the client (``None`` members left out)."""
        body: dict[str, Any] = {"type": type_uri(self.code), "title": self.title, "status": self.status}
        if self.detail is not None:
            body["detail"] = self.detail
        if self.instance is not None:
            body["instance"] = self.instance
        body["code"] = self.code
        for name, value in self.extensions.items():
            body.setdefault(name, value)
        return body


def rejection_problem(rejection: Rejection, instance: str | None) -> Problem:
    return Problem(
        status=rejection.status,
        code=rejection.code,
        title=rejection.title,
        detail=rejection.detail,
        instance=instance,
        extensions=rejection.extensions,
    )


def validation_problem(errors: Sequence[FieldError], instance: str | None) -> Problem:
    return Problem(
        status=422,
        code=VALIDATION_FAILED,
        title="The request is invalid",
        detail="; ".join(f"{e.path or '(body)'}: {e.message}" for e in errors) or None,
        instance=instance,
        extensions={"errors": [{"path": e.path, "message": e.message} for e in errors]},
    )


def field_path(location: Sequence[str | int]) -> str:
    """FastAPI's error location as a dotted path; body fields lose the ``body`` prefix.

    ``("body", "items", 0, "quantity")`` -> ``items.0.quantity``; ``("header", "Idempotency-Key")`` ->
    ``header.Idempotency-Key``.
    """
    parts = list(location)
    if parts and parts[0] == "body":
        parts = parts[1:]
    return ".".join(str(part) for part in parts)
