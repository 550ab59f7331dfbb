"""Whether a relay or consumer loop is doing its job, for ``GET /health/ready``.

Liveness says the process runs; readiness says the loop's last attempt at its work went through. A
relay that cannot reach its database or the broker, or a consumer that cannot poll, is not ready
until an attempt succeeds again, and neither is a loop that has not made its first attempt yet. In
Kubernetes that holds a rolling update on a new pod that cannot work, and shows on the pod's status.
A problem is named by the error's class only: error texts may carry connection details.
"""

from __future__ import annotations

NOT_STARTED = "not started"


class Readiness:
    """The outcome of the latest attempt (plain attribute writes: one thread writes, others read)."""

    def __init__(self) -> None:
        self._problem: str | None = NOT_STARTED

    @property
    def problem(self) -> str | None:
        """None when the latest attempt succeeded; else what went wrong."""
        return self._problem

    def succeeded(self) -> None:
        self._problem = None

    def failed(self, error: BaseException) -> None:
        self._problem = type(error).__name__
