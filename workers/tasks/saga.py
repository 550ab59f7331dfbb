"""The diagram's lifecycle message events: ``saga.started``, ``saga.compensation-started``,
``saga.completed`` and ``saga.compensated`` publish the checkout's events on ``checkout.saga``.

They are message throw and end events in bpmn/checkout.bpmn (Zeebe runs those as jobs), so an
analyst sees in the diagram where the saga announces itself. Each publishes and completes; a log
that is down fails the job without spending a retry (the checkout waits for it).
"""

# No postponed annotations here: pyzeebe finds the job parameter by its annotation object.
from collections.abc import Callable
from typing import Any

from pyzeebe import Job, ZeebeTaskRouter

from events.contracts.saga import (
    CheckoutCompensatedV1,
    CheckoutCompletedV1,
    CheckoutStartedV1,
    CompensationStartedV1,
)
from workers.outcomes import RetryPolicy, compensation_handler
from workers.saga_events import SagaEventPublisher, SagaPayload, record_for
from workers.settings import WorkerSettings
from workers.steps import COMPENSATION_RETRIES, TaskFunction

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
    "saga.completed": (CheckoutCompletedV1, ["checkoutId"], _no_fields),
    "saga.compensated": (CheckoutCompensatedV1, ["checkoutId"], _no_fields),
}


def router(settings: WorkerSettings, events: SagaEventPublisher) -> ZeebeTaskRouter:
    router = ZeebeTaskRouter()
    policy = RetryPolicy(
        LIFECYCLE_RETRIES, settings.backoff_base_ms, settings.backoff_max_ms, settings.events_retry_ms
    )
    for job_type, (contract, variables, fields) in ANNOUNCEMENTS.items():
        router.task(
            job_type,
            exception_handler=compensation_handler(policy, events),
            variables_to_fetch=variables,
            timeout_ms=settings.job_timeout_ms,
            max_jobs_to_activate=settings.max_running_jobs,
            max_running_jobs=settings.max_running_jobs,
        )(_announcer(events, contract, fields))
    return router


def _announcer(
    events: SagaEventPublisher, contract: type[SagaPayload], fields: Callable[[Job], dict[str, Any]]
) -> TaskFunction:
    async def announce(job: Job, **_variables: Any) -> None:
        await events.publish(record_for(job, contract, **fields(job)))

    return announce
