"""What Zeebe hears when a task function raises: the exception handlers of forward steps and of
compensation handlers.

Forward steps turn a business "no" into a BPMN error so the diagram compensates; the error carries the
variables ``errorCode`` and ``errorMessage`` because Zeebe 8.6 does not expose a caught error's code to
the process (the diagram's documentation states this contract). An open circuit is a business-level
"cannot now" for a forward step: failing fast into compensation beats waiting for timeouts.

Compensations must eventually succeed, so they never throw BPMN errors: every failure is a FailJob
with back-off; when retries run out Zeebe raises an incident that an operator resolves, and the
checkout's ``CheckoutFailed`` event goes out first. When the event log itself is unavailable the job
is failed without spending a retry: the step did its work, only its event is waiting.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pyzeebe import Job, JobController
from pyzeebe.task.exception_handler import ExceptionHandler

from workers.backoff import attempt_of, backoff_ms
from workers.failures import BusinessFailure, CircuitOpen, TechnicalFailure
from workers.metrics import SagaOutcome, WorkerMetrics
from workers.saga_events import EventsUnavailable, SagaEventPublisher, checkout_failed
from workers.settings import WorkerSettings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """Back-off of failed jobs; ``retries`` is what the diagram gives the task (the attempt count's origin)."""

    retries: int
    base_ms: int
    max_ms: int
    hold_ms: int
    """Back-off of a job waiting for the event log (no retry spent)."""

    @classmethod
    def of(cls, retries: int, settings: WorkerSettings) -> RetryPolicy:
        return cls(retries, settings.backoff_base_ms, settings.backoff_max_ms, settings.events_retry_ms)

    def delay_ms(self, job: Job, failure: Exception) -> int:
        delay = backoff_ms(attempt_of(job.retries, self.retries), self.base_ms, self.max_ms)
        if isinstance(failure, TechnicalFailure) and failure.retry_after_seconds:
            delay = max(delay, int(failure.retry_after_seconds * 1000))
        return delay


def _describe(failure: Exception) -> str:
    if isinstance(failure, (BusinessFailure, TechnicalFailure)):
        return str(failure)
    return f"unexpected {type(failure).__name__} in the worker: {failure}"


async def _hold(failure: EventsUnavailable, job: Job, controller: JobController, policy: RetryPolicy) -> None:
    """Fail the job with its retries unchanged. pyzeebe's controller always spends one and has no
    other way, so this goes to its gateway adapter directly (the call the controller makes itself)."""
    logger.warning(
        "job %s (%s) of checkout %s waits for the event log: %s",
        job.key,
        job.type,
        job.variables.get("checkoutId"),
        failure,
    )
    await controller._zeebe_adapter.fail_job(
        job_key=job.key,
        retries=job.retries,
        message=f"event log unavailable: {failure}",
        retry_back_off_ms=policy.hold_ms,
        variables={},
    )


async def _fail(
    failure: Exception,
    job: Job,
    controller: JobController,
    policy: RetryPolicy,
    events: SagaEventPublisher,
    metrics: WorkerMetrics,
) -> None:
    if isinstance(failure, EventsUnavailable):
        await _hold(failure, job, controller, policy)
        return
    delay = policy.delay_ms(job, failure)
    message = _describe(failure)
    if job.retries <= 1:
        try:
            await events.publish(checkout_failed(job, message))
        except EventsUnavailable as unavailable:
            await _hold(unavailable, job, controller, policy)
            return
        metrics.saga_ended(SagaOutcome.FAILED, job.variables.get("sagaStartedAt"))
    logger.warning(
        "job %s (%s) of checkout %s failed, %d retries left, next in %d ms: %s",
        job.key,
        job.type,
        job.variables.get("checkoutId"),
        job.retries - 1,
        delay,
        message,
    )
    await controller.set_failure_status(message, retry_back_off_ms=delay)


async def _throw(code: str, message: str, job: Job, controller: JobController) -> None:
    logger.info(
        "job %s (%s) of checkout %s: BPMN error %s", job.key, job.type, job.variables.get("checkoutId"), code
    )
    await controller.set_error_status(
        message, error_code=code, variables={"errorCode": code, "errorMessage": message}
    )


def forward_step_handler(
    policy: RetryPolicy, events: SagaEventPublisher, metrics: WorkerMetrics
) -> ExceptionHandler:
    """Business failures and open circuits become BPMN errors; anything else fails with back-off."""

    async def handle(failure: Exception, job: Job, controller: JobController) -> None:
        if isinstance(failure, BusinessFailure):
            await _throw(failure.code, failure.message, job, controller)
        elif isinstance(failure, CircuitOpen):
            await _throw(CircuitOpen.code, failure.message, job, controller)
        else:
            await _fail(failure, job, controller, policy, events, metrics)

    return handle


def compensation_handler(
    policy: RetryPolicy, events: SagaEventPublisher, metrics: WorkerMetrics
) -> ExceptionHandler:
    """Every failure fails the job with back-off: a compensation is retried, never abandoned."""

    async def handle(failure: Exception, job: Job, controller: JobController) -> None:
        await _fail(failure, job, controller, policy, events, metrics)

    return handle
