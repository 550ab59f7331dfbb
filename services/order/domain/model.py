"""Orders, their cancellation, and the rules a new order must pass.

An :class:`Order` is what one checkout bought: the priced lines, the total charged, the quote and
payment it came from, and where inventory allocated each item. :func:`place` makes one only when the
amounts add up (:func:`check_amounts`) and the customer is not blocked; :func:`check_repeat` decides
what a second request for the same checkout gets. A :class:`Tombstone` is a cancellation that found
no order; it stays so that a late order for the checkout is refused.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.common.money import Money
from services.order.domain.errors import (
    CustomerOnBlockList,
    Mismatch,
    OrderAlreadyCancelled,
    OrderConflict,
    TotalMismatch,
)


@dataclass(frozen=True)
class OrderLine:
    """``quantity`` units of ``sku`` at ``unit_price`` each, ``line_total`` in all (as quoted)."""

    sku: str
    quantity: int
    unit_price: Money
    line_total: Money


@dataclass(frozen=True, order=True)
class AllocatedLine:
    """Where inventory holds ``quantity`` units of ``sku`` for the order: what fulfilment picks."""

    sku: str
    quantity: int
    location: str


@dataclass(frozen=True)
class OrderDetails:
    """Everything a request says about the order; two requests are the same order when these match.

    ``discount`` and ``tax`` are the quote's adjustments (zero when the request has none), so that
    ``total == Σ line_total - discount + tax``. Lines keep the request's order; comparisons ignore it.
    """

    customer_id: str
    items: tuple[OrderLine, ...]
    total: Money
    quote_id: str
    payment_id: str
    allocation: tuple[AllocatedLine, ...]
    discount: Money
    tax: Money

    def __post_init__(self) -> None:
        gaps = allocation_gaps(
            ((line.sku, line.quantity) for line in self.items),
            ((line.sku, line.quantity) for line in self.allocation),
        )
        if gaps:
            raise ValueError(f"the allocation does not match the ordered items for {', '.join(gaps)}")

    def same_as(self, other: OrderDetails) -> bool:
        def key(details: OrderDetails) -> tuple[object, ...]:
            return (
                details.customer_id,
                sorted(details.items, key=lambda line: line.sku),
                details.total,
                details.quote_id,
                details.payment_id,
                sorted(details.allocation),
                details.discount,
                details.tax,
            )

        return key(self) == key(other)


def allocation_gaps(ordered: Iterable[tuple[str, int]], allocated: Iterable[tuple[str, int]]) -> list[str]:
    """The SKUs whose allocated quantity (summed over locations) is not the ordered quantity.

    Fulfilment picks from the allocation: an item missing from it would never ship, and one allocated
    but not ordered would ship for free.
    """
    want: Counter[str] = Counter()
    for sku, quantity in ordered:
        want[sku] += quantity
    held: Counter[str] = Counter()
    for sku, quantity in allocated:
        held[sku] += quantity
    return sorted(sku for sku in want.keys() | held.keys() if want[sku] != held[sku])


class OrderStatus(StrEnum):
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"


@dataclass
class Order:
    """A checkout's order. A cancelled order is kept, with ``cancelled_at``; it is never deleted."""

    order_id: str
    checkout_id: str
    details: OrderDetails
    created_at: datetime
    status: OrderStatus = OrderStatus.CONFIRMED
    cancelled_at: datetime | None = None


@dataclass(frozen=True)
class Tombstone:
    """A cancellation that found no order for the checkout; no order may follow it."""

    checkout_id: str
    cancelled_at: datetime


@dataclass(frozen=True)
class BlockedCustomer:
    """A customer no order is placed for (fraud, chargebacks...), and why."""

    customer_id: str
    reason: str
    blocked_at: datetime


def new_order_id() -> str:
    """``ord_`` and 24 random hex digits."""
    return f"ord_{secrets.token_hex(12)}"


def _amount_mismatches(details: OrderDetails) -> list[Mismatch]:
    currency = details.total.currency
    amounts: list[tuple[str, Money]] = []
    for index, line in enumerate(details.items):
        amounts += [
            (f"items.{index}.unit_price", line.unit_price),
            (f"items.{index}.line_total", line.line_total),
        ]
    amounts += [("discount", details.discount), ("tax", details.tax)]
    mismatches = [
        Mismatch(f"{path}.currency", f"is {amount.currency}, the total is in {currency}")
        for path, amount in amounts
        if amount.currency != currency
    ]
    if mismatches:
        return mismatches  # sums across currencies mean nothing
    subtotal = Money.zero(currency)
    for index, line in enumerate(details.items):
        subtotal += line.line_total
        expected = line.unit_price.times(line.quantity)
        if line.line_total != expected:
            mismatches.append(
                Mismatch(
                    f"items.{index}.line_total", f"is {line.line_total}, unit_price × quantity is {expected}"
                )
            )
    expected = subtotal - details.discount + details.tax
    if details.total != expected:
        mismatches.append(
            Mismatch("total", f"is {details.total}, Σ line_total - discount + tax is {expected}")
        )
    return mismatches


def check_amounts(details: OrderDetails) -> None:
    """Every line total is unit price × quantity, and the total is their sum less discount plus tax,
    all in the total's currency; raises :class:`TotalMismatch` naming every field that is off."""
    mismatches = _amount_mismatches(details)
    if mismatches:
        raise TotalMismatch(mismatches)


def place(checkout_id: str, details: OrderDetails, block: BlockedCustomer | None, now: datetime) -> Order:
    """A new confirmed order for the checkout, or why not (amounts first: they are the request's own)."""
    check_amounts(details)
    if block is not None:
        raise CustomerOnBlockList(block.customer_id)
    return Order(new_order_id(), checkout_id, details, now)


def check_repeat(existing: Order | Tombstone, details: OrderDetails) -> Order:
    """A second order request for a checkout already seen: its order if it is the same, else why not.

    A cancelled checkout stays cancelled whatever the request says: re-placing it would fulfil an
    order the saga has already compensated.
    """
    if isinstance(existing, Tombstone):
        raise OrderAlreadyCancelled(f"checkout {existing.checkout_id} was cancelled before any order")
    if existing.status is OrderStatus.CANCELLED:
        raise OrderAlreadyCancelled(f"checkout {existing.checkout_id} had its order cancelled")
    if not existing.details.same_as(details):
        raise OrderConflict(f"checkout {existing.checkout_id} already ordered something else")
    return existing


def cancel(order: Order, now: datetime) -> bool:
    """Cancel a confirmed order (kept, with ``cancelled_at``); ``False`` when it already was."""
    if order.status is OrderStatus.CANCELLED:
        return False
    order.status = OrderStatus.CANCELLED
    order.cancelled_at = now
    return True
