"""The provider's use cases. Captures and refunds are idempotent per provider-side key.

A declined capture is a result like any other: it is recorded (status ``failed``) and stored under the
key, so a retry gets the same decline and the same capture id. Provider codes are lowercase, as an
external processor would spell them:

==========================  ======  ==========================================================
code                        status  meaning
==========================  ======  ==========================================================
``card_declined``           402     the issuer declined (``tok_chargeDeclined``)
``insufficient_funds``      402     declined for lack of funds (``tok_insufficientFunds``)
``capture_not_found``       404     refund or read of a capture that does not exist
``capture_not_refundable``  409     refund of a failed capture
``refund_exceeds_capture``  409     refund above what is left to refund (``refundable_amount``)
``temporarily_unavailable`` 503     injected failure or ``tok_flaky``: nothing recorded, retry
==========================  ======  ==========================================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from services.common.errors import NotFound, Rejection
from services.common.idempotency.runner import IdempotentRequest, run_idempotently
from services.common.problems import rejection_problem
from services.common.reply import Reply
from services.common.sqltypes import utc_now
from services.common.transactions import run_transaction
from services.payment_provider.domain.model import (
    Capture,
    CaptureNotRefundable,
    CaptureStatus,
    RefundExceedsCapture,
    new_id,
)
from services.payment_provider.domain.tokens import FLAKY_FAILURES, SandboxToken, decline_code
from services.payment_provider.service_layer.unit_of_work import ProviderUnitOfWork
from services.payment_provider.service_layer.views import CaptureView, RefundView

UnitOfWorkFactory = Callable[..., ProviderUnitOfWork]

CAPTURE_NOT_FOUND = "capture_not_found"
CAPTURE_NOT_REFUNDABLE = "capture_not_refundable"
REFUND_EXCEEDS_CAPTURE = "refund_exceeds_capture"
TEMPORARILY_UNAVAILABLE = "temporarily_unavailable"

_DECLINE_TITLES = {"card_declined": "Card declined", "insufficient_funds": "Insufficient funds"}


@dataclass(frozen=True)
class CaptureMoney:
    amount: int
    currency: str
    payment_token: SandboxToken


@dataclass(frozen=True)
class RefundMoney:
    capture_id: str
    amount: int


def capture(open_uow: UnitOfWorkFactory, command: CaptureMoney, request: IdempotentRequest) -> Reply:
    """Charge the token: 201 with the capture, or 402 with the decline (both recorded and stored)."""

    def operation(uow: ProviderUnitOfWork) -> Reply:
        declined = decline_code(command.payment_token)
        record = Capture(
            id=new_id("cap"),
            amount=command.amount,
            currency=command.currency,
            payment_token=command.payment_token.value,
            status=CaptureStatus.FAILED if declined else CaptureStatus.SUCCEEDED,
            created_at=utc_now(),
            failure_code=declined,
        )
        uow.captures.add(record)
        if declined is None:
            return Reply(201, CaptureView.of(record).model_dump(mode="json"))
        rejection = Rejection(
            402,
            declined,
            _DECLINE_TITLES[declined],
            f"The issuer declined capture {record.id}.",
            {"capture_id": record.id, "decline_code": declined},
        )
        return Reply(402, rejection_problem(rejection, request.instance).body())

    return run_idempotently(open_uow, request, operation)


def flaky_attempt_fails(open_uow: UnitOfWorkFactory, idempotency_key: str) -> bool:
    """``tok_flaky``: count this attempt for the key; true while it is one of the first failing ones.

    A key that already has a stored result is not counted: its retry is a replay.
    """

    def attempt() -> bool:
        with open_uow() as uow:
            if uow.idempotency.find(idempotency_key) is not None:
                return False
            attempts = uow.flaky.count_attempt(idempotency_key)
            uow.commit()
            return attempts <= FLAKY_FAILURES

    return run_transaction(attempt, what="tok_flaky attempt count")


def refund(open_uow: UnitOfWorkFactory, command: RefundMoney, request: IdempotentRequest) -> Reply:
    """Give back part or all of a capture (201), never more than it captured in total."""

    def operation(uow: ProviderUnitOfWork) -> Reply:
        record = uow.captures.get(command.capture_id, lock=True)
        if record is None:
            raise NotFound(
                CAPTURE_NOT_FOUND, "No such capture", f"capture {command.capture_id} does not exist"
            )
        try:
            given_back = record.refund(command.amount, new_id("re"), utc_now())
        except CaptureNotRefundable as error:
            raise Rejection(409, CAPTURE_NOT_REFUNDABLE, "Capture cannot be refunded", str(error)) from error
        except RefundExceedsCapture as error:
            raise Rejection(
                409,
                REFUND_EXCEEDS_CAPTURE,
                "Refund exceeds the captured amount",
                str(error),
                {"refundable_amount": error.refundable},
            ) from error
        uow.captures.save_refunded(record)
        uow.refunds.add(given_back)
        return Reply(201, RefundView.of(given_back).model_dump(mode="json"))

    return run_idempotently(open_uow, request, operation)


def get_capture(open_uow: UnitOfWorkFactory, capture_id: str) -> CaptureView:
    with open_uow(read_only=True) as uow:
        record = uow.captures.get(capture_id)
    if record is None:
        raise NotFound(CAPTURE_NOT_FOUND, "No such capture", f"capture {capture_id} does not exist")
    return CaptureView.of(record)
