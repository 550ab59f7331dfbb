"""Failures a use case reports, without knowing about HTTP frameworks.

A :class:`Rejection` is a *business* answer ("out of stock", "declined"): a 4xx the caller must not
retry, stored under the idempotency key like any other first result, and turned by the workers into a
BPMN error through its stable ``code``. A :class:`TemporaryFailure` is *technical*: a 5xx, nothing was
written, and the same request may simply be sent again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Rejection(Exception):
    """A business rule said no. ``code`` is the stable, machine-readable reason (``OUT_OF_STOCK``)."""

    def __init__(
        self,
        status: int,
        code: str,
        title: str,
        detail: str | None = None,
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        if not 400 <= status < 500:
            raise ValueError(f"a rejection is a 4xx answer, not {status}")
        super().__init__(f"{code}: {detail or title}")
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.extensions: dict[str, Any] = dict(extensions or {})


class NotFound(Rejection):
    """The thing named in the URL does not exist (404)."""

    def __init__(self, code: str, title: str, detail: str | None = None) -> None:
        super().__init__(404, code, title, detail)


class TemporaryFailure(Exception):
    """Nothing was done and trying again later may succeed (503, ``Retry-After``)."""

    def __init__(self, code: str, detail: str, retry_after_seconds: int = 1) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.retry_after_seconds = retry_after_seconds
