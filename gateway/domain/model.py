"""A checkout as the gateway records it, its statuses, and the variables its process instance starts with.

The gateway records a checkout *before* it starts the process instance, so a crash in between loses
nothing: the row is PENDING until the instance key is recorded (see ``service_layer.recovery``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class CheckoutStatus(StrEnum):
    PENDING = "PENDING"
    """Recorded; no process instance yet (Zeebe was unreachable, or the start is in flight)."""
    RUNNING = "RUNNING"
    """The instance is active and not stuck."""
    FAILED = "FAILED"
    """The instance is stuck on an incident (an operator can resolve it), or was cancelled."""
    COMPLETED = "COMPLETED"
    """Ended through ``checkout_completed``: the order exists and the payment is captured."""
    COMPENSATED = "COMPENSATED"
    """Ended through ``checkout_compensated``: it failed and every completed step was undone."""


SETTLED = frozenset({CheckoutStatus.COMPLETED, CheckoutStatus.COMPENSATED, CheckoutStatus.FAILED})
"""Statuses a waiting client is answered with at once. FAILED by incident is settled for the client
but not final: once an operator resolves the incident the checkout runs on."""


@dataclass(frozen=True)
class LineItem:
    sku: str
    quantity: int


@dataclass(frozen=True)
class CheckoutRequest:
    """What the client asked for, validated; the payment token travels separately (never in views)."""

    customer_id: str
    items: tuple[LineItem, ...]
    shipping_region: str
    promo_code: str | None


@dataclass(frozen=True)
class Checkout:
    """A recorded checkout. ``final_document`` is its document once the process instance has ended:
    it can no longer change, so reads answer it without asking Operate."""

    id: str
    client_id: str
    customer_id: str
    items: tuple[LineItem, ...]
    shipping_region: str
    promo_code: str | None
    status: CheckoutStatus
    process_instance_key: int | None
    created_at: datetime
    updated_at: datetime
    final_document: dict[str, Any] | None = None
    process_version: int | None = None
    """The diagram version its instance runs on (None until the instance is started)."""


@dataclass(frozen=True)
class StartedInstance:
    """A checkout's process instance as CreateProcessInstance answered it."""

    key: int
    version: int
    """The diagram version it runs on, to its end, whatever is deployed after it started."""


def items_document(items: tuple[LineItem, ...]) -> list[dict[str, Any]]:
    return [{"sku": item.sku, "quantity": item.quantity} for item in items]


def start_variables(checkout: Checkout, payment_token: str, payment_timeout: str | None) -> dict[str, Any]:
    """The variables of the checkout's process instance (what the workers read, see the diagram).

    ``paymentTimeout`` is left out unless configured, so the diagram's own default applies.
    """
    variables: dict[str, Any] = {
        "checkoutId": checkout.id,
        "customerId": checkout.customer_id,
        "items": items_document(checkout.items),
        "paymentToken": payment_token,
        "shippingRegion": checkout.shipping_region,
        "promoCode": checkout.promo_code,
    }
    if payment_timeout is not None:
        variables["paymentTimeout"] = payment_timeout
    return variables
