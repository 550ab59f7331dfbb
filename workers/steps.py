"""Registers the diagram's tasks on a pyzeebe router, each with the limits and failure handling of its
kind (forward step or compensation handler), so the per-service modules hold only the calls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pyzeebe import ZeebeTaskRouter

from workers.outcomes import RetryPolicy, compensation_handler, forward_step_handler
from workers.settings import WorkerSettings

FORWARD_RETRIES = 5
"""``zeebe:taskDefinition retries`` of every forward step in bpmn/checkout.bpmn."""
COMPENSATION_RETRIES = 10
"""``zeebe:taskDefinition retries`` of every compensation handler in bpmn/checkout.bpmn."""

TaskFunction = Callable[..., Any]


def step_key(checkout_id: str, job_type: str) -> str:
    """The idempotency key of one step of one checkout: a retry, a re-activated job or a second saga
    for the same checkout all send the same key, so the service does the work once."""
    return f"{checkout_id}:{job_type}"


@dataclass(frozen=True)
class Steps:
    router: ZeebeTaskRouter
    settings: WorkerSettings

    def _policy(self, retries: int) -> RetryPolicy:
        return RetryPolicy(retries, self.settings.backoff_base_ms, self.settings.backoff_max_ms)

    def forward(self, job_type: str, variables: list[str]) -> Callable[[TaskFunction], TaskFunction]:
        """A forward step: business failures become BPMN errors (the checkout compensates)."""
        return self.router.task(
            job_type,
            exception_handler=forward_step_handler(self._policy(FORWARD_RETRIES)),
            variables_to_fetch=variables,
            timeout_ms=self.settings.job_timeout_ms,
            max_jobs_to_activate=self.settings.max_running_jobs,
            max_running_jobs=self.settings.max_running_jobs,
        )

    def compensation(self, job_type: str) -> Callable[[TaskFunction], TaskFunction]:
        """A compensation handler: it needs only the checkout id and is retried until it succeeds."""
        return self.router.task(
            job_type,
            exception_handler=compensation_handler(self._policy(COMPENSATION_RETRIES)),
            variables_to_fetch=["checkoutId"],
            timeout_ms=self.settings.job_timeout_ms,
            max_jobs_to_activate=self.settings.max_running_jobs,
            max_running_jobs=self.settings.max_running_jobs,
        )
