"""Payments: one per checkout, and the states a capture and its compensation move it through.

::

    (none) --capture--> PENDING --provider: captured--> CAPTURED --refund--> VOIDING --> REFUNDED
                           |    --provider: declined--> DECLINED
                           +--refund (capture in flight or abandoned)--> VOIDING --> REFUNDED
                                                                            +-----> VOIDED (declined)
    (none) --refund--> VOIDED (tombstone: a late capture is refused)

``PENDING`` and ``VOIDING`` are intents, written *before* a provider call: ``PENDING`` says a capture
is (or may be) in flight, ``VOIDING`` that the payment was compensated while money may be held at the
provider. A ``VOIDING`` payment never becomes ``CAPTURED``: a capture whose provider answer arrives
after the void is not recorded, and the refund gives back whatever the provider captured.

Only the checkout id names the payment at the provider (:func:`provider_capture_key`), so however
many requests, retries and sagas a checkout sees, the provider makes at most one capture for it.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.common.money import Money
from services.payment.domain.errors import NotAPaymentToken, PaymentAlreadyVoided, PaymentConflict

MAX_AMOUNT_MINOR = 99_999_999
"""The largest single charge the provider accepts, in minor units."""

TOKEN_PATTERN = r"^tok_[A-Za-z0-9_]{1,96}$"
_TOKEN = re.compile(TOKEN_PATTERN)
_DIGIT_RUN = re.compile(r"\d{12,}")


def check_payment_token(value: str) -> str:
    """``value`` when it is a payment token (``tok_...``); :class:`NotAPaymentToken` otherwise.

    A long run of digits inside an otherwise well-formed token is refused too: it may be a card
    number, and card data must never be stored.
    """
    if not _TOKEN.fullmatch(value) or _DIGIT_RUN.search(value):
        raise NotAPaymentToken("must be a payment token (tok_...), never card data")
    return value


def new_payment_id() -> str:
    """``pay_`` and 24 random hex digits."""
    return f"pay_{secrets.token_hex(12)}"


def provider_capture_key(checkout_id: str) -> str:
    """The provider idempotency key of the checkout's capture: from the checkout id only, so a retry
    or a second saga re-drives the same capture instead of making another."""
    return f"{checkout_id}:capture"


def provider_refund_key(checkout_id: str) -> str:
    """The provider idempotency key of the checkout's refund: one refund per checkout, ever."""
    return f"{checkout_id}:refund"


class PaymentStatus(StrEnum):
    PENDING = "PENDING"
    CAPTURED = "CAPTURED"
    DECLINED = "DECLINED"
    VOIDING = "VOIDING"
    REFUNDED = "REFUNDED"
    VOIDED = "VOIDED"


VOID_STATUSES = frozenset({PaymentStatus.VOIDING, PaymentStatus.REFUNDED, PaymentStatus.VOIDED})
"""The payment was compensated: no capture is recorded for it any more."""


@dataclass(frozen=True)
class Charge:
    """What a checkout asks to be charged: who pays, how much, with which payment token."""

    customer_id: str
    amount: Money
    payment_token: str

    def __post_init__(self) -> None:
        if not 0 < self.amount.amount_minor <= MAX_AMOUNT_MINOR:
            raise ValueError(f"a charge is between 1 and {MAX_AMOUNT_MINOR} minor units")
        check_payment_token(self.payment_token)


@dataclass
class Payment:
    """The checkout's payment. ``charge`` is ``None`` only for a tombstone (refunded before any
    capture came)."""

    checkout_id: str
    payment_id: str
    status: PaymentStatus
    charge: Charge | None
    created_at: datetime
    provider_capture_id: str | None = None
    decline_code: str | None = None
    provider_refund_id: str | None = None
    captured_at: datetime | None = None
    declined_at: datetime | None = None
    voided_at: datetime | None = None
    refunded_at: datetime | None = None

    @classmethod
    def start(cls, checkout_id: str, charge: Charge, at: datetime) -> Payment:
        """A capture is about to be sent to the provider."""
        return cls(checkout_id, new_payment_id(), PaymentStatus.PENDING, charge, created_at=at)

    @classmethod
    def tombstone(cls, checkout_id: str, at: datetime) -> Payment:
        """Compensated before any capture: a capture arriving late is refused."""
        return cls(checkout_id, new_payment_id(), PaymentStatus.VOIDED, None, created_at=at, voided_at=at)

    def _move(self, allowed: frozenset[PaymentStatus], to: PaymentStatus) -> None:
        if self.status not in allowed:
            raise AssertionError(f"payment of {self.checkout_id} cannot go from {self.status} to {to}")
        self.status = to

    def check_repeat(self, charge: Charge) -> None:
        """Another capture request for this checkout: fine if it asks for the same charge, else why not."""
        if self.status in VOID_STATUSES:
            raise PaymentAlreadyVoided(f"the payment of checkout {self.checkout_id} was compensated")
        if self.charge != charge:
            raise PaymentConflict(f"checkout {self.checkout_id} has a payment for another charge")

    def captured(self, capture_id: str, at: datetime) -> None:
        self._move(frozenset({PaymentStatus.PENDING}), PaymentStatus.CAPTURED)
        self.provider_capture_id = capture_id
        self.captured_at = at

    def declined(self, decline_code: str, capture_id: str | None, at: datetime) -> None:
        self._move(frozenset({PaymentStatus.PENDING}), PaymentStatus.DECLINED)
        self.decline_code = decline_code
        self.provider_capture_id = capture_id
        self.declined_at = at

    def void(self, at: datetime) -> None:
        """Compensation starts: from now on no capture is recorded, whatever the provider answers."""
        self._move(frozenset({PaymentStatus.PENDING, PaymentStatus.CAPTURED}), PaymentStatus.VOIDING)
        self.voided_at = at

    def refunded(self, capture_id: str, refund_id: str, at: datetime) -> None:
        """The provider gave back the whole capture (``capture_id``, learnt now if it was in flight)."""
        if self.provider_capture_id not in (None, capture_id):
            raise AssertionError(f"payment of {self.checkout_id} was captured as {self.provider_capture_id}")
        self._move(frozenset({PaymentStatus.VOIDING}), PaymentStatus.REFUNDED)
        if self.provider_capture_id is None:
            self.provider_capture_id = capture_id
            self.captured_at = at
        self.provider_refund_id = refund_id
        self.refunded_at = at

    def voided_without_capture(self, decline_code: str) -> None:
        """The capture in flight at the void turned out declined: no money ever moved."""
        self._move(frozenset({PaymentStatus.VOIDING}), PaymentStatus.VOIDED)
        self.decline_code = decline_code

    @property
    def refund_amount(self) -> Money:
        """A refund always gives back the whole charge: there are no partial refunds of a checkout."""
        if self.charge is None:
            raise AssertionError(f"the payment of {self.checkout_id} charged nothing")
        return self.charge.amount
