"""The JSON documents the order service answers with (also its OpenAPI response schemas)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from services.common.api_types import MoneyModel
from services.common.audit import AuditOutcome
from services.order.domain.model import AllocatedLine, BlockedCustomer, Order, OrderLine, OrderStatus


class OrderLineView(BaseModel):
    sku: str
    quantity: int
    unit_price: MoneyModel
    line_total: MoneyModel

    @classmethod
    def of(cls, line: OrderLine) -> OrderLineView:
        return cls(
            sku=line.sku,
            quantity=line.quantity,
            unit_price=MoneyModel.of(line.unit_price),
            line_total=MoneyModel.of(line.line_total),
        )


class AllocatedLineView(BaseModel):
    sku: str
    quantity: int
    location: str

    @classmethod
    def of(cls, line: AllocatedLine) -> AllocatedLineView:
        return cls(sku=line.sku, quantity=line.quantity, location=line.location)


class OrderView(BaseModel):
    """A checkout's order: ``CONFIRMED``, or ``CANCELLED`` with ``cancelled_at`` (kept for audit)."""

    order_id: str
    checkout_id: str
    customer_id: str
    status: OrderStatus
    items: list[OrderLineView]
    discount: MoneyModel
    tax: MoneyModel
    total: MoneyModel
    quote_id: str
    payment_id: str
    allocation: list[AllocatedLineView]
    created_at: datetime
    cancelled_at: datetime | None

    @classmethod
    def of(cls, order: Order) -> OrderView:
        details = order.details
        return cls(
            order_id=order.order_id,
            checkout_id=order.checkout_id,
            customer_id=details.customer_id,
            status=order.status,
            items=[OrderLineView.of(line) for line in details.items],
            discount=MoneyModel.of(details.discount),
            tax=MoneyModel.of(details.tax),
            total=MoneyModel.of(details.total),
            quote_id=details.quote_id,
            payment_id=details.payment_id,
            allocation=[AllocatedLineView.of(line) for line in details.allocation],
            created_at=order.created_at,
            cancelled_at=order.cancelled_at,
        )


class CancelView(BaseModel):
    """What a cancellation did: ``outcome`` says whether an order was cancelled now; ``order`` is the
    (cancelled) order, null when the checkout never had one."""

    outcome: AuditOutcome
    checkout_id: str
    order: OrderView | None


class OrderPage(BaseModel):
    """A page of a customer's orders, newest first; ``next_after`` continues it (null: no more)."""

    customer_id: str
    orders: list[OrderView]
    next_after: str | None

    @classmethod
    def of(cls, customer_id: str, orders: Sequence[Order], more: bool) -> OrderPage:
        return cls(
            customer_id=customer_id,
            orders=[OrderView.of(order) for order in orders],
            next_after=orders[-1].order_id if more and orders else None,
        )


class BlockedCustomerView(BaseModel):
    customer_id: str
    reason: str
    blocked_at: datetime

    @classmethod
    def of(cls, block: BlockedCustomer) -> BlockedCustomerView:
        return cls(customer_id=block.customer_id, reason=block.reason, blocked_at=block.blocked_at)


def body(view: BaseModel) -> dict[str, Any]:
    return view.model_dump(mode="json")
