"""Domain events of the payment service, written to the outbox with the change that caused them.

Events tell outcomes: what the provider did with money. The intents (``PENDING``, ``VOIDING``) write
none, and neither does a tombstone. A capture that was in flight when its checkout was compensated
is recorded with both ``PaymentCaptured`` and ``PaymentRefunded`` in one transaction, so a ledger
built from the events always agrees with the provider: the sum of captures minus refunds is what it
holds. Each event has a type name and a schema version; payloads only grow compatible fields within
a version. Events are snapshots: build them with ``of(payment)`` after the change.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar, Self

from services.common.money import Money
from services.payment.domain.model import Payment


@dataclass(frozen=True)
class PaymentEvent:
    """What every payment event says: whose payment, of how much. Subclasses add fields named like
    the payment's attributes (``decline_code``...), which :meth:`of` copies."""

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1
    checkout_id: str
    payment_id: str
    customer_id: str
    amount: Money
    provider_capture_id: str | None

    @classmethod
    def of(cls, payment: Payment) -> Self:
        if payment.charge is None:
            raise AssertionError("a tombstone has no events")
        charge: dict[str, Any] = {"customer_id": payment.charge.customer_id, "amount": payment.charge.amount}
        return cls(
            **{f.name: charge[f.name] if f.name in charge else getattr(payment, f.name) for f in fields(cls)}
        )

    def payload(self) -> dict[str, Any]:
        document = {field.name: getattr(self, field.name) for field in fields(self)}
        document["amount"] = {"amount_minor": self.amount.amount_minor, "currency": self.amount.currency}
        return document


@dataclass(frozen=True)
class PaymentCaptured(PaymentEvent):
    event_type: ClassVar[str] = "PaymentCaptured"


@dataclass(frozen=True)
class PaymentDeclined(PaymentEvent):
    """The provider declined the capture (``provider_capture_id`` is its record of the decline)."""

    event_type: ClassVar[str] = "PaymentDeclined"
    decline_code: str | None


@dataclass(frozen=True)
class PaymentRefunded(PaymentEvent):
    """The whole capture was given back."""

    event_type: ClassVar[str] = "PaymentRefunded"
    provider_refund_id: str | None


@dataclass(frozen=True)
class PaymentVoided(PaymentEvent):
    """Compensated while its capture was in flight, and that capture was declined: no money moved."""

    event_type: ClassVar[str] = "PaymentVoided"
    decline_code: str | None
