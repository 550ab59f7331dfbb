"""Contracts of the payment service's events (topic ``payment.events``), as
``services/payment/domain/events.py`` writes them.

Events tell what the provider did with money, so a ledger of captures minus refunds always equals
what the provider holds. Where the service's dataclass says ``str | None`` but the transition that
leads to the event always sets the value (a capture id once captured, a refund id once refunded, a
decline code once declined), the contract says ``str``: consumers should not have to handle a null
that cannot happen.
"""

from __future__ import annotations

from events.contracts.base import EventPayload, Topic
from events.contracts.fields import Money
from events.topics import SERVICE_TOPICS


class _PaymentEvent(EventPayload):
    """What every payment event says: whose payment, of how much."""

    checkout_id: str
    payment_id: str
    customer_id: str
    amount: Money


class PaymentCapturedV1(_PaymentEvent):
    """The provider captured ``amount``. Also written just before ``PaymentRefunded`` when the capture
    was still in flight as the checkout was compensated: the money did move."""

    event_type = "PaymentCaptured"
    schema_version = 1
    provider_capture_id: str


class PaymentDeclinedV1(_PaymentEvent):
    """The provider declined the capture; ``provider_capture_id`` is its record of the decline, if it
    kept one."""

    event_type = "PaymentDeclined"
    schema_version = 1
    provider_capture_id: str | None
    decline_code: str


class PaymentRefundedV1(_PaymentEvent):
    """The whole capture was given back."""

    event_type = "PaymentRefunded"
    schema_version = 1
    provider_capture_id: str
    provider_refund_id: str


class PaymentVoidedV1(_PaymentEvent):
    """Compensated while its capture was in flight, and that capture was declined: no money moved."""

    event_type = "PaymentVoided"
    schema_version = 1
    provider_capture_id: str | None
    decline_code: str


TOPIC = Topic(
    SERVICE_TOPICS["payment"], (PaymentCapturedV1, PaymentDeclinedV1, PaymentRefundedV1, PaymentVoidedV1)
)
