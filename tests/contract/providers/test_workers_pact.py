"""The workers honour every message pact their consumers committed (``checkout.saga``).

Each message is built the way production builds it: the lifecycle record the workers publish for a
job of the checkout diagram (``workers.saga_events``, and for the diagram's message events the
``saga.*`` announcements of ``workers/tasks/saga.py``), from a pyzeebe ``Job`` as the worker receives
it. The record value is the message content and the record headers its metadata.
"""

# No postponed annotations: pyzeebe's Job is built here as the worker receives it.
from typing import Any

import pytest
from pact.types import Message

from events.transport.ports import OutgoingRecord
from tests.contract.pacts import MessageProducer, expected_interactions, message, run_verifier
from tests.jobs import job
from workers.saga_events import checkout_failed, record_for, step_compensated, step_completed
from workers.tasks.saga import ANNOUNCEMENTS

PROVIDER = "workers"


def announced(job_type: str, **variables: Any) -> OutgoingRecord:
    """The record the ``saga.*`` job ``job_type`` publishes."""
    contract, _, fields = ANNOUNCEMENTS[job_type]
    announcing = job(job_type, **variables)
    return record_for(announcing, contract, **fields(announcing))


def as_message(record: OutgoingRecord) -> Message:
    return message(record.value, record.headers)


PRODUCERS: dict[str, MessageProducer] = {
    "a CheckoutStarted event": lambda: as_message(announced("saga.started")),
    "a StepCompleted event": lambda: as_message(step_completed(job("cart.reserve"))),
    "a CompensationStarted event": lambda: as_message(
        announced("saga.compensation-started", errorCode="PAYMENT_DECLINED", errorMessage="card declined")
    ),
    "a StepCompensated event": lambda: as_message(step_compensated(job("cart.release"), "cart.reserve")),
    "a CheckoutCompleted event": lambda: as_message(announced("saga.completed")),
    "a CheckoutCompensated event": lambda: as_message(announced("saga.compensated")),
    "a CheckoutFailed event": lambda: as_message(checkout_failed(job("cart.reserve"), "cart service down")),
}
"""One producer per message description any consumer's pact asks of ``workers``."""


def test_the_workers_send_every_message_their_consumers_expect() -> None:
    verification = run_verifier(PROVIDER, PRODUCERS)
    if not verification.passed:
        pytest.fail(verification.output, pytrace=False)
    assert verification.interactions == dict.fromkeys(expected_interactions(PROVIDER), True)


def test_a_step_event_without_its_step_fails_verification() -> None:
    """The verifier is a real check: a StepCompleted record whose payload lost ``step`` is refused."""

    def without_step() -> Message:
        record = step_completed(job("cart.reserve"))
        broken = record.value.replace(b'"step":"cart.reserve"', b'"stage":"cart.reserve"')
        assert broken != record.value
        return message(broken, record.headers)

    verification = run_verifier(
        PROVIDER, {**PRODUCERS, "a StepCompleted event": without_step}, "^a StepCompleted event$"
    )
    assert not verification.passed
    assert verification.interactions == {("checkout-projection", "a StepCompleted event"): False}
