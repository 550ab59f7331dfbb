"""Stand-in workers for the checkout diagram's jobs, the way tests/integration/saga_diagram drives them
(the lifecycle message events just complete).

A step completes with what the real service's worker would write (the pricing step's ``quote`` with
Money documents, the order step's ``orderId``), throws a BPMN error with the variables
``errorCode``/``errorMessage`` (the workers' contract), or fails with no retries left (an incident).
Job types without a stand-in are never worked on: the instance waits there.
"""

# No `from __future__ import annotations`: pyzeebe finds the `job: Job` parameter by its real annotation.
from collections.abc import Iterable
from typing import Any

from pyzeebe import Job, JobController, ZeebeWorker
from pyzeebe.errors import BusinessError

from workers.tasks.saga import ANNOUNCEMENTS


def money(amount_minor: int) -> dict[str, Any]:
    return {"amount_minor": amount_minor, "currency": "EUR"}


QUOTE = {
    "quote_id": "quote-1",
    "currency": "EUR",
    "lines": [],
    "subtotal": money(5570),
    "discount": money(0),
    "tax": money(1058),
    "total": money(6628),
}
ORDER_ID = "order-1"

# step job type -> (what it writes, its compensation's job type)
STEPS: dict[str, tuple[dict[str, Any], str]] = {
    "cart.reserve": ({"provisionalTotal": money(5570)}, "cart.release"),
    "pricing.quote": ({"quote": QUOTE}, "pricing.void"),
    "payment.capture": ({"paymentId": "payment-1"}, "payment.refund"),
    "inventory.allocate": (
        {"allocation": [{"sku": "SKU-1", "quantity": 2, "location": "A-1"}]},
        "inventory.release",
    ),
    "order.create": ({"orderId": ORDER_ID}, "order.cancel"),
}


class Incident(Exception):
    """Raised by a stand-in that must fail its job for good (no retries left: an incident)."""


def register(
    worker: ZeebeWorker,
    *,
    throw_at: str | None = None,
    code: str = "",
    incident_at: str | None = None,
    hold: Iterable[str] = (),
    handled: list[str] | None = None,
) -> None:
    """A stand-in for every step and compensation: ``throw_at`` throws ``code`` as a BPMN error,
    ``incident_at`` fails with no retries, job types in ``hold`` get no worker at all."""
    held = set(hold)

    async def on_error(error: Exception, job: Job, controller: JobController) -> None:
        if isinstance(error, BusinessError):
            message = f"{job.type} said no: {error.error_code}"
            await controller.set_error_status(
                message,
                error_code=error.error_code,
                variables={"errorCode": error.error_code, "errorMessage": message},
            )
        else:
            await worker.zeebe_adapter.fail_job(
                job_key=job.key, retries=0, message=str(error), retry_back_off_ms=0, variables={}
            )

    for step_type, (result, handler_type) in STEPS.items():
        if step_type not in held:
            worker.task(task_type=step_type, exception_handler=on_error)(
                _step(
                    result, throw=code if step_type == throw_at else None, incident=step_type == incident_at
                )
            )
        if handler_type not in held:
            worker.task(task_type=handler_type)(_handler(handled if handled is not None else []))
    for announcement in ANNOUNCEMENTS:  # the lifecycle message events: nothing to publish here
        if announcement not in held:
            complete(worker, announcement)


def complete(worker: ZeebeWorker, job_type: str) -> None:
    """A stand-in that completes ``job_type``'s jobs and writes nothing (for a job type held before)."""
    worker.task(task_type=job_type)(_handler([]))


def _step(result: dict[str, Any], *, throw: str | None, incident: bool) -> Any:
    async def step(job: Job) -> dict[str, Any]:
        if throw is not None:
            raise BusinessError(throw)
        if incident:
            raise Incident(f"{job.type}: the service is down and the retries are used up")
        return result

    return step


def _handler(handled: list[str]) -> Any:
    async def handler(job: Job) -> dict[str, Any]:
        handled.append(job.type)
        return {}

    return handler
