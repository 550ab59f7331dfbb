"""Repositories: load domain objects (locking what will change) and write them back.

A use case locks the checkout's ``orders`` row (``SELECT ... FOR UPDATE`` at READ COMMITTED) before it
changes it; when there is no row yet it inserts one, and the primary key makes a concurrent twin wait,
fail and rerun to find it. (On SQLite the write transaction already holds the database lock from
``BEGIN IMMEDIATE``; ``FOR UPDATE`` is not emitted there.)
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from services.common.money import Money
from services.order.adapters.orm import BlockedCustomerRow, OrderAllocationRow, OrderLineRow, OrderRow
from services.order.domain.model import (
    AllocatedLine,
    BlockedCustomer,
    Order,
    OrderDetails,
    OrderLine,
    OrderStatus,
    Tombstone,
)

T = TypeVar("T")

PageStart = tuple[datetime, str]
"""Where a page of a customer's orders starts: below this ``(created_at, order_id)``."""


def _column(value: T | None) -> T:
    """An order column, never NULL on an order's row (the CHECK constraints say so)."""
    if value is None:
        raise AssertionError("an order row has a NULL order column")
    return value


def _order(row: OrderRow) -> Order:
    currency = _column(row.currency)
    details = OrderDetails(
        customer_id=_column(row.customer_id),
        items=tuple(
            OrderLine(
                line.sku,
                line.quantity,
                Money(line.unit_price_minor, currency),
                Money(line.line_total_minor, currency),
            )
            for line in row.lines
        ),
        total=Money(_column(row.total_minor), currency),
        quote_id=_column(row.quote_id),
        payment_id=_column(row.payment_id),
        allocation=tuple(AllocatedLine(a.sku, a.quantity, a.location) for a in row.allocation),
        discount=Money(_column(row.discount_minor), currency),
        tax=Money(_column(row.tax_minor), currency),
    )
    return Order(
        order_id=_column(row.order_id),
        checkout_id=row.checkout_id,
        details=details,
        created_at=_column(row.created_at),
        status=OrderStatus(row.status),
        cancelled_at=row.cancelled_at,
    )


def _found(row: OrderRow) -> Order | Tombstone:
    if row.order_id is None:
        return Tombstone(row.checkout_id, _column(row.cancelled_at))
    return _order(row)


def _new_row(found: Order | Tombstone) -> OrderRow:
    if isinstance(found, Tombstone):
        return OrderRow(
            checkout_id=found.checkout_id, status=OrderStatus.CANCELLED.value, cancelled_at=found.cancelled_at
        )
    details = found.details
    return OrderRow(
        checkout_id=found.checkout_id,
        status=found.status.value,
        order_id=found.order_id,
        customer_id=details.customer_id,
        currency=details.total.currency,
        total_minor=details.total.amount_minor,
        discount_minor=details.discount.amount_minor,
        tax_minor=details.tax.amount_minor,
        quote_id=details.quote_id,
        payment_id=details.payment_id,
        created_at=found.created_at,
        cancelled_at=found.cancelled_at,
        lines=[
            OrderLineRow(
                position=position,
                sku=line.sku,
                quantity=line.quantity,
                unit_price_minor=line.unit_price.amount_minor,
                line_total_minor=line.line_total.amount_minor,
            )
            for position, line in enumerate(details.items)
        ],
        allocation=[
            OrderAllocationRow(
                position=position, sku=line.sku, quantity=line.quantity, location=line.location
            )
            for position, line in enumerate(details.allocation)
        ],
    )


_WITH_CHILDREN = (selectinload(OrderRow.lines), selectinload(OrderRow.allocation))


class OrderRepository:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._rows: dict[str, OrderRow] = {}

    def get(self, checkout_id: str, *, lock: bool = False) -> Order | Tombstone | None:
        query = select(OrderRow).where(OrderRow.checkout_id == checkout_id)
        if lock:
            query = query.with_for_update()
        row = self._session.scalars(query.options(*_WITH_CHILDREN)).first()
        if row is None:
            return None
        self._rows[checkout_id] = row
        return _found(row)

    def add(self, found: Order | Tombstone) -> None:
        """Insert the checkout's row with its lines: the checkout's "at most once" guard.

        A concurrent request for the same checkout blocks here and, once this transaction commits,
        fails with a unique violation and reruns to find the row.
        """
        row = _new_row(found)
        self._session.add(row)
        self._session.flush()
        self._rows[found.checkout_id] = row

    def save(self, order: Order) -> None:
        """Write back the status of an order obtained from :meth:`get` or :meth:`add` here."""
        row = self._rows[order.checkout_id]
        row.status = order.status.value
        row.cancelled_at = order.cancelled_at
        self._session.flush()

    def page_start(self, customer_id: str, order_id: str) -> PageStart | None:
        """Where the page after ``order_id`` starts, or ``None`` when it is not one of the customer's."""
        row = self._session.execute(
            select(OrderRow.created_at, OrderRow.order_id).where(
                OrderRow.order_id == order_id, OrderRow.customer_id == customer_id
            )
        ).first()
        if row is None:
            return None
        return _column(row[0]), _column(row[1])

    def for_customer(self, customer_id: str, limit: int, after: PageStart | None = None) -> list[Order]:
        """Up to ``limit`` of the customer's orders, newest first, below ``after`` when given.

        Keyset pagination on ``(created_at, order_id)`` (the index ``ix_orders_customer_id_...``): a
        page costs the same however deep it is, and orders placed meanwhile never shift a page.
        """
        query = select(OrderRow).where(OrderRow.customer_id == customer_id)
        if after is not None:
            created_at, order_id = after
            query = query.where(
                or_(
                    OrderRow.created_at < created_at,
                    and_(OrderRow.created_at == created_at, OrderRow.order_id < order_id),
                )
            )
        query = query.order_by(OrderRow.created_at.desc(), OrderRow.order_id.desc()).limit(limit)
        return [_order(row) for row in self._session.scalars(query.options(*_WITH_CHILDREN))]


def _block(row: BlockedCustomerRow) -> BlockedCustomer:
    return BlockedCustomer(row.customer_id, row.reason, row.blocked_at)


class BlockListRepository:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._rows: dict[str, BlockedCustomerRow] = {}

    def get(self, customer_id: str, *, lock: bool = False) -> BlockedCustomer | None:
        query = select(BlockedCustomerRow).where(BlockedCustomerRow.customer_id == customer_id)
        if lock:
            query = query.with_for_update()
        row = self._session.scalars(query).first()
        if row is None:
            return None
        self._rows[customer_id] = row
        return _block(row)

    def add(self, block: BlockedCustomer) -> None:
        """Put a customer on the list. Two admins blocking the same customer at once both insert; the
        second fails with a unique violation here and its transaction reruns, then finds the row."""
        row = BlockedCustomerRow(
            customer_id=block.customer_id, reason=block.reason, blocked_at=block.blocked_at
        )
        self._session.add(row)
        self._session.flush()
        self._rows[block.customer_id] = row

    def save(self, block: BlockedCustomer) -> None:
        """Write back the reason of an entry obtained from :meth:`get` here."""
        self._rows[block.customer_id].reason = block.reason
        self._session.flush()

    def remove(self, customer_id: str) -> bool:
        """Take the customer off the list; ``False`` when they were not on it."""
        if self.get(customer_id, lock=True) is None:
            return False
        self._session.delete(self._rows.pop(customer_id))
        self._session.flush()
        return True
