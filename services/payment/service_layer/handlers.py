"""The payment use cases: capture, refund (the capture's compensation) and read.

**The provider is never called inside a database transaction.** A transaction held across a network
call pins locks for as long as the provider takes, and a charge made inside a transaction that then
rolls back has happened anyway, unrecorded. So each provider call sits between two transactions
(:func:`services.common.idempotency.two_phase.run_two_phase`):

1. transaction 1 claims the ``Idempotency-Key`` and writes the *intent*: the checkout's payment row as
   ``PENDING`` (a capture) or ``VOIDING`` (a refund). The checkout id is the row's primary key: this is
   the "once per checkout" guard, whatever the key;
2. the provider call, with a provider idempotency key derived from the checkout id *only*
   (:func:`~services.payment.domain.model.provider_capture_key`) and a per-call timeout;
3. transaction 2 records the outcome (``CAPTURED``, ``DECLINED``, ``REFUNDED``, ``VOIDED``), its
   outbox event and audit row, and the reply stored under the key.

Whatever breaks, the intent row says what to do next, and doing it again is harmless because the
provider key is the same: a timeout or 5xx (503/504, row unchanged), a crash between the
transactions (the claim's lease runs out, the retry re-drives the call), a second saga with another
key (it finds ``PENDING`` and re-drives), a compensation while a capture is in flight (it marks the
row ``VOIDING`` *first*, re-drives the capture to learn its id, then refunds it; the capture,
answering later, finds ``VOIDING`` and records nothing). So the provider makes at most one capture
and one refund per checkout, and captured - refunded is exact.

Business failures become :class:`Rejection` with the stable codes the workers map to BPMN errors:

================================  ======  =======================================================
code                              status  meaning
================================  ======  =======================================================
``PAYMENT_DECLINED``              402     the issuer declined (recorded; a retry gets it again)
``INSUFFICIENT_FUNDS``            402     declined for lack of funds (recorded likewise)
``PAYMENT_CONFLICT``              409     the checkout's payment is for another charge
``PAYMENT_VOIDED``                409     the checkout's payment was compensated: no capture now
``PAYMENT_NOT_FOUND``             404     no payment for that checkout (reads only)
``PAYMENT_PROVIDER_UNAVAILABLE``  503     provider unreachable or failing: retry (technical)
``PAYMENT_PROVIDER_TIMEOUT``      504     provider did not answer in time: retry (technical)
``REQUEST_IN_PROGRESS``           503     the same key is in flight: retry after ``Retry-After``
================================  ======  =======================================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from services.common.audit import AuditOutcome
from services.common.errors import NotFound, Rejection
from services.common.idempotency.runner import IdempotentRequest
from services.common.idempotency.two_phase import Proceed, run_two_phase
from services.common.problems import rejection_problem
from services.common.reply import Reply
from services.common.sqltypes import utc_now
from services.payment.domain.errors import PaymentAlreadyVoided, PaymentConflict
from services.payment.domain.events import PaymentCaptured, PaymentDeclined, PaymentRefunded, PaymentVoided
from services.payment.domain.model import (
    VOID_STATUSES,
    Payment,
    PaymentStatus,
    provider_capture_key,
    provider_refund_key,
)
from services.payment.service_layer.commands import CapturePayment, RefundPayment
from services.payment.service_layer.provider import (
    Captured,
    CaptureRequest,
    Declined,
    PaymentProvider,
    ProviderFailure,
    RefundRequest,
)
from services.payment.service_layer.unit_of_work import PaymentUnitOfWork
from services.payment.service_layer.views import (
    CapturedPaymentView,
    CompensationView,
    PaymentView,
    RefundView,
    body,
)

UnitOfWorkFactory = Callable[..., PaymentUnitOfWork]
"""Opens a unit of work; ``read_only=True`` for queries."""

PAYMENT_DECLINED = "PAYMENT_DECLINED"
INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
PAYMENT_CONFLICT = "PAYMENT_CONFLICT"
PAYMENT_VOIDED = "PAYMENT_VOIDED"
PAYMENT_NOT_FOUND = "PAYMENT_NOT_FOUND"

REFUND_ACTION = "payment.refund"

_DECLINES = {"insufficient_funds": (INSUFFICIENT_FUNDS, "Insufficient funds")}
"""Provider decline codes with a problem code of their own; every other decline is PAYMENT_DECLINED."""


@dataclass(frozen=True)
class PaymentServices:
    """What the use cases work with: the database, the provider, and how long a request may stay
    between its two transactions before a retry with its key takes over (longer than two provider
    calls: a refund may re-drive the capture first)."""

    open_uow: UnitOfWorkFactory
    provider: PaymentProvider
    claim_lease_seconds: float


@dataclass(frozen=True)
class Settlement:
    """A compensation's provider calls went through: the capture ``capture_id`` was refunded."""

    capture_id: str
    refund_id: str


@dataclass(frozen=True)
class SettlementPlan:
    """How to give the money back: re-drive ``capture`` first when its id is not known yet."""

    capture: CaptureRequest
    capture_id: str | None
    refund_key: str


def _capture_request(payment: Payment) -> CaptureRequest:
    assert payment.charge is not None
    return CaptureRequest(
        idempotency_key=provider_capture_key(payment.checkout_id),
        amount=payment.charge.amount,
        payment_token=payment.charge.payment_token,
    )


def _declined(payment: Payment, instance: str) -> Reply:
    """The recorded decline as the reply (a 402 whose writes stay, unlike a raised rejection)."""
    assert payment.decline_code is not None
    code, title = _DECLINES.get(payment.decline_code, (PAYMENT_DECLINED, "Payment declined"))
    rejection = Rejection(
        402,
        code,
        title,
        f"The payment of checkout {payment.checkout_id} was declined ({payment.decline_code}).",
        {
            "checkout_id": payment.checkout_id,
            "payment_id": payment.payment_id,
            "decline_code": payment.decline_code,
            "provider_capture_id": payment.provider_capture_id,
        },
    )
    return Reply(402, rejection_problem(rejection, instance).body())


def _voided(checkout_id: str) -> Rejection:
    return Rejection(
        409,
        PAYMENT_VOIDED,
        "Payment voided",
        f"The payment of checkout {checkout_id} was compensated; it is not captured again.",
    )


def _existing(payment: Payment, instance: str) -> Reply:
    """The answer for a checkout whose capture already has an outcome."""
    if payment.status is PaymentStatus.CAPTURED:
        return Reply(200, body(CapturedPaymentView.of(payment)))
    if payment.status is PaymentStatus.DECLINED:
        return _declined(payment, instance)
    raise _voided(payment.checkout_id)


def capture(services: PaymentServices, command: CapturePayment, request: IdempotentRequest) -> Reply:
    """Forward step: charge the checkout's payment token (201 with the captured payment).

    At most once per checkout, whatever the key: a repeat of the same charge answers 200 with the
    captured payment (or the same decline), another charge 409 ``PAYMENT_CONFLICT``, and a
    compensated checkout 409 ``PAYMENT_VOIDED`` without calling the provider. A ``PENDING`` payment
    (a capture in flight, failed or abandoned) is re-driven under the same provider key.
    """

    def begin(uow: PaymentUnitOfWork) -> Reply | Proceed[CaptureRequest]:
        payment = uow.payments.get(command.checkout_id, lock=True)
        if payment is None:
            payment = Payment.start(command.checkout_id, command.charge, utc_now())
            uow.payments.add(payment)
            return Proceed(_capture_request(payment))
        try:
            payment.check_repeat(command.charge)
        except PaymentAlreadyVoided as error:
            raise _voided(command.checkout_id) from error
        except PaymentConflict as error:
            raise Rejection(409, PAYMENT_CONFLICT, "Checkout has another payment", str(error)) from error
        if payment.status is PaymentStatus.PENDING:
            return Proceed(_capture_request(payment))
        return _existing(payment, request.instance)

    def call(plan: CaptureRequest) -> Captured | Declined | ProviderFailure:
        try:
            return services.provider.capture(plan)
        except ProviderFailure as failure:
            return failure

    def finish(
        uow: PaymentUnitOfWork, plan: CaptureRequest, outcome: Captured | Declined | ProviderFailure
    ) -> Reply:
        payment = uow.payments.get(command.checkout_id, lock=True)
        assert payment is not None, "transaction 1 wrote the payment"
        if payment.status is not PaymentStatus.PENDING:
            # Voided meanwhile (the compensation refunds whatever this capture took), or another
            # request with the same provider key recorded the outcome first.
            return _existing(payment, request.instance)
        if isinstance(outcome, ProviderFailure):
            raise outcome
        if isinstance(outcome, Captured):
            payment.captured(outcome.capture_id, utc_now())
            uow.payments.save(payment)
            uow.outbox.add(PaymentCaptured.of(payment))
            return Reply(201, body(CapturedPaymentView.of(payment)))
        payment.declined(outcome.decline_code, outcome.capture_id, utc_now())
        uow.payments.save(payment)
        uow.outbox.add(PaymentDeclined.of(payment))
        return _declined(payment, request.instance)

    return run_two_phase(
        services.open_uow, request, begin, call, finish, lease_seconds=services.claim_lease_seconds
    )


def _compensation(
    uow: PaymentUnitOfWork,
    request: IdempotentRequest,
    checkout_id: str,
    outcome: AuditOutcome,
    refunded: Payment | None,
) -> Reply:
    """The refund's answer, with its audit row (correlated by the checkout id)."""
    view = CompensationView(
        outcome=outcome, checkout_id=checkout_id, refund=RefundView.of(refunded) if refunded else None
    )
    document = body(view)
    uow.audit.record(
        checkout_id, REFUND_ACTION, outcome, {"idempotency_key": request.key, "refund": document["refund"]}
    )
    return Reply(200, document)


def refund(services: PaymentServices, command: RefundPayment, request: IdempotentRequest) -> Reply:
    """Compensation: give back whatever the checkout's payment took. Always 200; ``outcome`` tells.

    * ``CAPTURED`` → void, refund the whole amount at the provider → ``REFUNDED``: ``COMPENSATED``;
    * ``PENDING`` (a capture in flight or abandoned, e.g. the saga's payment time limit fired) → void
      *first*, so the capture cannot be recorded any more; then re-drive the capture with its
      provider key (the provider returns the capture it made, or makes it) and refund it:
      ``COMPENSATED`` (or ``NOOP_NOTHING_TO_COMPENSATE`` when the capture turns out declined);
    * ``DECLINED`` or no payment → ``NOOP_NOTHING_TO_COMPENSATE``; without a payment a tombstone is
      left, so a late capture is refused with 409 ``PAYMENT_VOIDED``;
    * ``REFUNDED`` / ``VOIDED`` → ``NOOP_ALREADY_COMPENSATED``.

    A provider failure answers 503/504 and leaves the payment ``VOIDING``: a retry carries on. Every
    answered refund writes an audit row.
    """
    checkout_id = command.checkout_id

    def begin(uow: PaymentUnitOfWork) -> Reply | Proceed[SettlementPlan]:
        payment = uow.payments.get(checkout_id, lock=True)
        if payment is None:
            uow.payments.add(Payment.tombstone(checkout_id, utc_now()))
            return _compensation(uow, request, checkout_id, AuditOutcome.NOOP_NOTHING_TO_COMPENSATE, None)
        if payment.status is PaymentStatus.DECLINED:
            return _compensation(uow, request, checkout_id, AuditOutcome.NOOP_NOTHING_TO_COMPENSATE, None)
        if payment.status in (PaymentStatus.REFUNDED, PaymentStatus.VOIDED):
            return _compensation(uow, request, checkout_id, AuditOutcome.NOOP_ALREADY_COMPENSATED, None)
        if payment.status is not PaymentStatus.VOIDING:
            payment.void(utc_now())
            uow.payments.save(payment)
        return Proceed(
            SettlementPlan(
                _capture_request(payment), payment.provider_capture_id, provider_refund_key(checkout_id)
            )
        )

    def call(plan: SettlementPlan) -> Settlement | Declined | ProviderFailure:
        try:
            capture_id = plan.capture_id
            if capture_id is None:
                captured = services.provider.capture(plan.capture)
                if isinstance(captured, Declined):
                    return captured
                capture_id = captured.capture_id
            refunded = services.provider.refund(
                RefundRequest(plan.refund_key, capture_id, plan.capture.amount)
            )
        except ProviderFailure as failure:
            return failure
        return Settlement(capture_id, refunded.refund_id)

    def finish(
        uow: PaymentUnitOfWork, plan: SettlementPlan, outcome: Settlement | Declined | ProviderFailure
    ) -> Reply:
        payment = uow.payments.get(checkout_id, lock=True)
        assert payment is not None, "transaction 1 wrote the payment"
        assert payment.status in VOID_STATUSES, "transaction 1 voided the payment"
        if payment.status is not PaymentStatus.VOIDING:
            # Another refund request of this checkout settled it first (same provider keys).
            return _compensation(uow, request, checkout_id, AuditOutcome.NOOP_ALREADY_COMPENSATED, None)
        if isinstance(outcome, ProviderFailure):
            raise outcome
        if isinstance(outcome, Declined):
            payment.voided_without_capture(outcome.decline_code)
            uow.payments.save(payment)
            uow.outbox.add(PaymentVoided.of(payment))
            return _compensation(uow, request, checkout_id, AuditOutcome.NOOP_NOTHING_TO_COMPENSATE, None)
        capture_was_recorded = payment.provider_capture_id is not None
        payment.refunded(outcome.capture_id, outcome.refund_id, utc_now())
        uow.payments.save(payment)
        if not capture_was_recorded:
            uow.outbox.add(PaymentCaptured.of(payment))  # the money did move, and the ledger must see it
        uow.outbox.add(PaymentRefunded.of(payment))
        return _compensation(uow, request, checkout_id, AuditOutcome.COMPENSATED, payment)

    return run_two_phase(
        services.open_uow, request, begin, call, finish, lease_seconds=services.claim_lease_seconds
    )


def get_payment(open_uow: UnitOfWorkFactory, checkout_id: str) -> PaymentView:
    with open_uow(read_only=True) as uow:
        payment = uow.payments.get(checkout_id)
    if payment is None:
        raise NotFound(PAYMENT_NOT_FOUND, "Payment not found", f"checkout {checkout_id} has no payment")
    return PaymentView.of(payment)
