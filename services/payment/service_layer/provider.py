"""The payment provider as the use cases need it: the interface is ours, the HTTP client an adapter.

Every call carries the provider-side idempotency key the use case derived from the checkout id, so
repeating a call (after a timeout, a crash, or from a second request) returns the first result
instead of charging or refunding again. What can come back:

* a result: :class:`Captured`, :class:`Declined` (the issuer said no; recorded by the provider) or
  :class:`Refunded`;
* a :class:`ProviderFailure`: the provider was unreachable, failed (5xx) or did not answer in time.
  Nothing is known about the outcome, so the caller keeps its intent and asks again with the same key;
* a :class:`ProviderProtocolError`: an answer the contract does not allow (a bug on one side): a 500.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

from services.common.errors import TemporaryFailure
from services.common.money import Money

PAYMENT_PROVIDER_UNAVAILABLE = "PAYMENT_PROVIDER_UNAVAILABLE"
PAYMENT_PROVIDER_TIMEOUT = "PAYMENT_PROVIDER_TIMEOUT"


@dataclass(frozen=True)
class CaptureRequest:
    idempotency_key: str
    amount: Money
    payment_token: str


@dataclass(frozen=True)
class RefundRequest:
    idempotency_key: str
    capture_id: str
    amount: Money


@dataclass(frozen=True)
class Captured:
    capture_id: str


@dataclass(frozen=True)
class Declined:
    """The provider refused the charge; ``capture_id`` is its record of the decline, if it kept one."""

    decline_code: str
    capture_id: str | None


@dataclass(frozen=True)
class Refunded:
    refund_id: str


class ProviderFailure(TemporaryFailure):
    """No answer from the provider: retry-safe, since every call repeats under the same provider key.

    Answered with ``status`` (503, or 504 for a timeout), ``problem_code`` and ``Retry-After``.
    """

    status: ClassVar[int] = 503
    problem_code: ClassVar[str] = PAYMENT_PROVIDER_UNAVAILABLE
    title: ClassVar[str] = "Payment provider unavailable"

    def __init__(self, detail: str, retry_after_seconds: int = 1) -> None:
        super().__init__(self.problem_code, detail, retry_after_seconds)


class ProviderTimedOut(ProviderFailure):
    """The request was sent but no answer came in time: it may or may not have been carried out."""

    status: ClassVar[int] = 504
    problem_code: ClassVar[str] = PAYMENT_PROVIDER_TIMEOUT
    title: ClassVar[str] = "Payment provider timed out"


class ProviderProtocolError(RuntimeError):
    """The provider answered something its contract does not allow."""


class PaymentProvider(Protocol):
    def capture(self, request: CaptureRequest) -> Captured | Declined:
        """Charge, or repeat the charge made under ``request.idempotency_key``; raises ProviderFailure."""
        ...

    def refund(self, request: RefundRequest) -> Refunded:
        """Give back, or repeat the refund made under ``request.idempotency_key``; raises ProviderFailure."""
        ...
