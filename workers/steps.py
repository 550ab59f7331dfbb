"""Registers the diagram's tasks on a pyzeebe router, each with the limits and failure handling of its
kind (forward step or compensation handler), so the per-service modules hold only the calls.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pyzeebe import Job, ZeebeTaskRouter
from pyzeebe.task.exception_handler import ExceptionHandler

from events.transport.ports import OutgoingRecord
from telemetry.propagation import TRACEPARENT
from workers.metrics import WorkerMetrics, step_outcome
from workers.outcomes import RetryPolicy, compensation_handler, forward_step_handler
from workers.saga_events import SagaEventPublisher, step_compensated, step_completed
from workers.settings import WorkerSettings
from workers.tracing import traced

FORWARD_RETRIES = 5
"""``zeebe:taskDefinition retries`` of every forward step in bpmn/checkout.bpmn."""
COMPENSATION_RETRIES = 10
"""``zeebe:taskDefinition retries`` of every compensation handler in bpmn/checkout.bpmn."""

TaskFunction = Callable[..., Awaitable[Any]]


def step_key(checkout_id: str, job_type: str) -> str:
    """The idempotency key of one step of one checkout: a retry, a re-activated job or a second saga
    for the same checkout all send the same key, so the service does the work once."""
    return f"{checkout_id}:{job_type}"


def announcing(
    task: TaskFunction, event: Callable[[Job], OutgoingRecord], events: SagaEventPublisher
) -> TaskFunction:
    """``task``, then its lifecycle event, before pyzeebe reports the job's success to Zeebe.

    The wrapper takes the job (pyzeebe passes it to a parameter annotated :class:`Job`) and the
    fetched variables, and hands ``task`` the variables only.
    """

    async def run(job: Job, **variables: Any) -> Any:
        result = await task(**variables)
        await events.publish(event(job))
        return result

    # pyzeebe finds the job parameter by its annotation object; postponed annotations are strings.
    run.__signature__ = inspect.signature(run, eval_str=True)  # type: ignore[attr-defined]
    run.__doc__ = task.__doc__
    return run


def measured_step(task: TaskFunction, step: str, metrics: WorkerMetrics) -> TaskFunction:
    """``task``, counted and timed by outcome as the exception handler will treat it."""

    async def run(**variables: Any) -> Any:
        began = time.perf_counter()
        failure: Exception | None = None
        try:
            return await task(**variables)
        except Exception as error:
            failure = error
            raise
        finally:
            metrics.step_ran(step, step_outcome(failure), time.perf_counter() - began)

    run.__doc__ = task.__doc__
    return run


def measured_compensation(task: TaskFunction, undoes: str, metrics: WorkerMetrics) -> TaskFunction:
    """``task``, counted by whether it succeeded (a failed one is retried, and counted again)."""

    async def run(**variables: Any) -> Any:
        succeeded = False
        try:
            result = await task(**variables)
            succeeded = True
            return result
        finally:
            metrics.compensation_ran(undoes, succeeded)

    run.__doc__ = task.__doc__
    return run


def register_job(
    router: ZeebeTaskRouter,
    settings: WorkerSettings,
    job_type: str,
    run: TaskFunction,
    *,
    exception_handler: ExceptionHandler,
    variables: list[str],
    compensation: bool = False,
) -> None:
    """Register ``run(job, **variables)`` for ``job_type`` with the workers' limits; every job also
    fetches the trace context and runs inside its own span (:mod:`workers.tracing`)."""
    router.task(
        job_type,
        exception_handler=exception_handler,
        variables_to_fetch=[*variables, TRACEPARENT],
        timeout_ms=settings.job_timeout_ms,
        max_jobs_to_activate=settings.running_jobs_of(job_type),
        max_running_jobs=settings.running_jobs_of(job_type),
    )(traced(run, compensation=compensation))


@dataclass(frozen=True)
class Steps:
    router: ZeebeTaskRouter
    settings: WorkerSettings
    events: SagaEventPublisher
    metrics: WorkerMetrics

    def forward(self, job_type: str, variables: list[str]) -> Callable[[TaskFunction], TaskFunction]:
        """A forward step: business failures become BPMN errors (the checkout compensates); success
        announces ``StepCompleted``."""

        def register(task: TaskFunction) -> TaskFunction:
            self.metrics.declare_step(job_type)
            register_job(
                self.router,
                self.settings,
                job_type,
                announcing(measured_step(task, job_type, self.metrics), step_completed, self.events),
                exception_handler=forward_step_handler(
                    RetryPolicy.of(FORWARD_RETRIES, self.settings), self.events, self.metrics
                ),
                variables=variables,
            )
            return task

        return register

    def compensation(self, job_type: str, undoes: str) -> Callable[[TaskFunction], TaskFunction]:
        """A compensation handler of forward step ``undoes``: it needs only the checkout id, is
        retried until it succeeds, and announces ``StepCompensated``."""

        def register(task: TaskFunction) -> TaskFunction:
            self.metrics.declare_compensation(undoes)
            register_job(
                self.router,
                self.settings,
                job_type,
                announcing(
                    measured_compensation(task, undoes, self.metrics),
                    lambda job: step_compensated(job, undoes),
                    self.events,
                ),
                exception_handler=compensation_handler(
                    RetryPolicy.of(COMPENSATION_RETRIES, self.settings), self.events, self.metrics
                ),
                variables=["checkoutId"],
                compensation=True,
            )
            return task

        return register
