"""What callers ask the order service to do, already validated by the entry points."""

from __future__ import annotations

from dataclasses import dataclass

from services.order.domain.model import OrderDetails


@dataclass(frozen=True)
class CreateOrder:
    checkout_id: str
    details: OrderDetails


@dataclass(frozen=True)
class CancelOrder:
    checkout_id: str


@dataclass(frozen=True)
class BlockCustomer:
    customer_id: str
    reason: str


@dataclass(frozen=True)
class UnblockCustomer:
    customer_id: str


@dataclass(frozen=True)
class ListOrders:
    """A page of the customer's orders, newest first: ``limit`` of them after the order ``after``."""

    customer_id: str
    limit: int
    after: str | None = None
