"""A span per job, continuing the checkout's trace from the process variable ``traceparent`` that the
gateway set when it started the instance (Zeebe and our engine carry it unchanged).

The span is current while the task runs, so the HTTP call to the service is its child (the service
client's span, whose ``traceparent`` header it sends) and the service's work and events join the trace.
A forward step that fails is marked as an error; compensation handlers are marked as compensation.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.util.types import AttributeValue
from pyzeebe import Job

from telemetry.propagation import TRACEPARENT, context_from
from workers.metrics import StepOutcome, step_outcome

_tracer = trace.get_tracer(__name__)

JobFunction = Callable[..., Awaitable[Any]]
"""``async (job, **variables)``: what pyzeebe calls for a job."""


def traced(run: JobFunction, *, compensation: bool = False) -> JobFunction:
    """``run(job, **variables)`` inside the job's span; ``traceparent`` is taken out of the variables
    (tasks do not take it)."""

    async def traced_run(job: Job, **variables: Any) -> Any:
        variables.pop(TRACEPARENT, None)
        attributes: dict[str, AttributeValue] = {
            "zeebe.job.type": job.type,
            "zeebe.job.key": str(job.key),
            "zeebe.job.retries": job.retries,
            "zeebe.element_id": job.element_id,
            "zeebe.process_instance_key": str(job.process_instance_key),
            "checkout.compensation": compensation,
        }
        with _tracer.start_as_current_span(
            f"job {job.type}",
            context=context_from(job.variables.get(TRACEPARENT)),
            kind=SpanKind.CONSUMER,
            attributes=attributes,
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                result = await run(job, **variables)
            except Exception as failure:
                span.set_attribute("checkout.job.outcome", step_outcome(failure).value)
                span.set_status(Status(StatusCode.ERROR, type(failure).__name__))
                raise
            span.set_attribute("checkout.job.outcome", StepOutcome.SUCCESS.value)
            return result

    # pyzeebe finds the job parameter by its annotation object; postponed annotations are strings.
    traced_run.__signature__ = inspect.signature(traced_run, eval_str=True)  # type: ignore[attr-defined]
    traced_run.__doc__ = run.__doc__
    return traced_run
