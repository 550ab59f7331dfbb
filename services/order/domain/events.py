"""Domain events of the order service, written to the outbox with the change that caused them.

Each has a type name and a schema version; payloads only grow compatible fields within a version.
``OrderCreated`` is what loyalty awards points on, ``FulfilmentRequested`` what starts fulfilment,
``OrderCancelled`` what revokes both; money is ``{"amount_minor", "currency"}`` as on the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from services.common.money import Money
from services.order.domain.model import Order


def _money(amount: Money) -> dict[str, Any]:
    return {"amount_minor": amount.amount_minor, "currency": amount.currency}


def _order(order: Order) -> dict[str, Any]:
    """What every order event says: which order, of which checkout, whose, for how much."""
    return {
        "order_id": order.order_id,
        "checkout_id": order.checkout_id,
        "customer_id": order.details.customer_id,
        "total": _money(order.details.total),
    }


@dataclass(frozen=True)
class _OrderEvent:
    """Something that happened to a checkout's order."""

    order: Order

    @property
    def checkout_id(self) -> str:
        return self.order.checkout_id


@dataclass(frozen=True)
class OrderCreated(_OrderEvent):
    event_type: ClassVar[str] = "OrderCreated"
    schema_version: ClassVar[int] = 1

    def payload(self) -> dict[str, Any]:
        return {
            **_order(self.order),
            "quote_id": self.order.details.quote_id,
            "payment_id": self.order.details.payment_id,
        }


@dataclass(frozen=True)
class FulfilmentRequested(_OrderEvent):
    """Pick and ship the order: each item with the location inventory allocated it at."""

    event_type: ClassVar[str] = "FulfilmentRequested"
    schema_version: ClassVar[int] = 1

    def payload(self) -> dict[str, Any]:
        return {
            "order_id": self.order.order_id,
            "checkout_id": self.order.checkout_id,
            "customer_id": self.order.details.customer_id,
            "items": [
                {"sku": line.sku, "quantity": line.quantity, "location": line.location}
                for line in self.order.details.allocation
            ],
        }


@dataclass(frozen=True)
class OrderCancelled(_OrderEvent):
    event_type: ClassVar[str] = "OrderCancelled"
    schema_version: ClassVar[int] = 1

    def payload(self) -> dict[str, Any]:
        return _order(self.order)


@dataclass(frozen=True)
class _CustomerEvent:
    """A change to the block list: no checkout caused it."""

    customer_id: str

    @property
    def checkout_id(self) -> str | None:
        return None


@dataclass(frozen=True)
class CustomerBlocked(_CustomerEvent):
    """An admin put the customer on the block list (or changed the reason)."""

    event_type: ClassVar[str] = "CustomerBlocked"
    schema_version: ClassVar[int] = 1
    reason: str

    def payload(self) -> dict[str, Any]:
        return {"customer_id": self.customer_id, "reason": self.reason}


@dataclass(frozen=True)
class CustomerUnblocked(_CustomerEvent):
    event_type: ClassVar[str] = "CustomerUnblocked"
    schema_version: ClassVar[int] = 1

    def payload(self) -> dict[str, Any]:
        return {"customer_id": self.customer_id}
