"""Contracts of the saga's lifecycle events (topic ``checkout.saga``): how a checkout's process
instance started, progressed, compensated and ended, for consumers such as the timeline projection.

No service's outbox writes these: they describe the orchestration of ``bpmn/checkout.bpmn``.
``step`` is always a forward step's job type (``cart.reserve``, ``payment.capture``...), in
``StepCompensated`` too, so that a consumer pairs a compensation with the step it undid without
knowing the diagram's compensation handlers.
``process_instance_key`` is null while the checkout has no process instance yet (the gateway starts
one after recording the checkout).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from events.contracts.base import EventPayload, Topic
from events.contracts.fields import Timestamp
from events.topics import SAGA_TOPIC

StepName = Annotated[
    str,
    Field(
        pattern=r"^[a-z]+\.[a-z_]+$",
        description="The forward step's job type, <service>.<action>.",
        examples=["cart.reserve"],
    ),
]


class _SagaEvent(EventPayload):
    """Which checkout, which process instance, when."""

    checkout_id: str
    process_instance_key: int | None
    occurred_at: Timestamp


class _StepEvent(_SagaEvent):
    step: StepName


class _FailureEvent(_SagaEvent):
    """Why: a business error's code and message (``OUT_OF_STOCK``, ``PAYMENT_TIMEOUT``...), or an
    incident's."""

    error_code: Annotated[str, Field(min_length=1)]
    error_message: str


class CheckoutStartedV1(_SagaEvent):
    """A checkout's saga began."""

    event_type = "CheckoutStarted"
    schema_version = 1


class StepCompletedV1(_StepEvent):
    """A forward step finished; it will be compensated if the checkout fails later."""

    event_type = "StepCompleted"
    schema_version = 1


class CompensationStartedV1(_FailureEvent):
    """A business error or the payment time limit started compensating the completed steps."""

    event_type = "CompensationStarted"
    schema_version = 1


class StepCompensatedV1(_StepEvent):
    """A completed step was undone (``step`` names the forward step, not its compensation)."""

    event_type = "StepCompensated"
    schema_version = 1


class CheckoutCompletedV1(_SagaEvent):
    """Every step completed: the checkout succeeded."""

    event_type = "CheckoutCompleted"
    schema_version = 1


class CheckoutCompensatedV1(_SagaEvent):
    """Every completed step was undone: the checkout failed cleanly."""

    event_type = "CheckoutCompensated"
    schema_version = 1


class CheckoutFailedV1(_FailureEvent):
    """The saga cannot go on by itself: an incident (retries exhausted) or an operator's
    cancellation; an operator has to look."""

    event_type = "CheckoutFailed"
    schema_version = 1


TOPIC = Topic(
    SAGA_TOPIC,
    (
        CheckoutStartedV1,
        StepCompletedV1,
        CompensationStartedV1,
        StepCompensatedV1,
        CheckoutCompletedV1,
        CheckoutCompensatedV1,
        CheckoutFailedV1,
    ),
)
