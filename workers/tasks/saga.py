"""The diagram's lifecycle message events: ``saga.started``, ``saga.compensation-started``,
``saga.completed`` and ``saga.compensated`` publish the checkout's events on ``checkout.saga``.

They are message throw and end events in bpmn/checkout.bpmn (Zeebe runs those as jobs), so an
analyst sees in the diagram where the saga announces itself. Each publishes and completes; a log
that is down fails the job without spending a retry (the checkout waits for it).

They also count sagas for the metrics: ``saga.started`` sets the process variable ``sagaStartedAt``
(epoch milliseconds) from which the end events measure the saga's duration.
"""

# No postponed annotations here: pyzeebe finds the job parameter by its annotation object.
import time
from collections.abc import Callable
from typing import Any

from pyzeebe import Job, ZeebeTaskRouter

from events.contracts.saga import (
    CheckoutCompensatedV1,
    CheckoutCompletedV1,
    CheckoutStartedV1,
    CompensationStartedV1,
)
from workers.metrics import SagaOutcome, WorkerMetrics
from workers.outcomes import RetryPolicy, compensation_handler
from workers.saga_events import SagaEventPublisher, SagaPayload, record_for
from workers.settings import WorkerSettings
from workers.steps import COMPENSATION_RETRIES, TaskFunction, register_job

LIFECYCLE_RETRIES = COMPENSATION_RETRIES
"""``zeebe:taskDefinition retries`` of the saga.* message events in bpmn/checkout.bpmn."""


def _no_fields(job: Job) -> dict[str, Any]:
    return {}


def _why(job: Job) -> dict[str, Any]:
    """The errorCode and errorMessage the failing step (or the payment time limit) left."""
    return {
        "error_code": str(job.variables.get("errorCode") or "UNKNOWN"),
        "error_message": str(job.variables.get("errorMessage") or ""),
    }


# job type -> (the event it announces, the variables it reads, the event's fields beyond the common ones)
ANNOUNCEMENTS: dict[str, tuple[type[SagaPayload], list[str], Callable[[Job], dict[str, Any]]]] = {
    "saga.started": (CheckoutStartedV1, ["checkoutId"], _no_fields),
    "saga.compensation-started": (CompensationStartedV1, ["checkoutId", "errorCode", "errorMessage"], _why),
    "saga.completed": (CheckoutCompletedV1, ["checkoutId", "sagaStartedAt"], _no_fields),
    "saga.compensated": (CheckoutCompensatedV1, ["checkoutId", "sagaStartedAt"], _no_fields),
}

ENDINGS = {"saga.completed": SagaOutcome.COMPLETED, "saga.compensated": SagaOutcome.COMPENSATED}


def router(settings: WorkerSettings, events: SagaEventPublisher, metrics: WorkerMetrics) -> ZeebeTaskRouter:
    router = ZeebeTaskRouter()
    handler = compensation_handler(RetryPolicy.of(LIFECYCLE_RETRIES, settings), events, metrics)
    for job_type, (contract, variables, fields) in ANNOUNCEMENTS.items():
        register_job(
            router,
            settings,
            job_type,
            _announcer(events, contract, fields, _counter(job_type, metrics)),
            exception_handler=handler,
            variables=variables,
        )
    return router


def _counter(job_type: str, metrics: WorkerMetrics) -> Callable[[Job], dict[str, Any]]:
    """What an announcement counts once published, and the variables it sets."""
    if job_type == "saga.started":

        def started(job: Job) -> dict[str, Any]:
            metrics.saga_started()
            return {"sagaStartedAt": int(time.time() * 1000)}

        return started
    if job_type in ENDINGS:
        outcome = ENDINGS[job_type]

        def ended(job: Job) -> dict[str, Any]:
            metrics.saga_ended(outcome, job.variables.get("sagaStartedAt"))
            return {}

        return ended
    return _no_fields


def _announcer(
    events: SagaEventPublisher,
    contract: type[SagaPayload],
    fields: Callable[[Job], dict[str, Any]],
    counted: Callable[[Job], dict[str, Any]],
) -> TaskFunction:
    async def announce(job: Job, **_variables: Any) -> dict[str, Any]:
        await events.publish(record_for(job, contract, **fields(job)))
        return counted(job)

    return announce
