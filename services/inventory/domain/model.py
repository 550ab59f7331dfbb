"""Stock items and allocations, and the two rules that move stock between them.

:func:`allocate` is all-or-nothing: every line is checked before any stock moves, so an order never
holds half its items. :func:`release` gives back exactly what an allocation took. Both keep
``on_hand + allocated == received`` for every stock item they touch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from services.inventory.domain.errors import (
    AllocationAlreadyReleased,
    AllocationConflict,
    DuplicateSku,
    OutOfStock,
    Shortfall,
    UnknownSkus,
)


@dataclass
class StockItem:
    """One SKU's stock at its warehouse location."""

    sku: str
    location: str
    on_hand: int = 0
    allocated: int = 0
    received: int = 0

    def __post_init__(self) -> None:
        self.check_invariant()

    def check_invariant(self) -> None:
        if self.on_hand < 0 or self.allocated < 0 or self.on_hand + self.allocated != self.received:
            raise AssertionError(f"stock invariant broken for {self}")

    def set_on_hand(self, quantity: int, location: str) -> int:
        """An admin stock count: ``quantity`` free units at ``location``.

        The difference to the current on-hand is recorded as a receipt (negative when stock is written
        off), so the invariant holds; what checkouts hold is untouched. Returns that difference.
        """
        if quantity < 0:
            raise ValueError("on-hand quantity cannot be negative")
        delta = quantity - self.on_hand
        self.on_hand = quantity
        self.received += delta
        self.location = location
        self.check_invariant()
        return delta

    def take(self, quantity: int) -> None:
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        if quantity > self.on_hand:
            raise OutOfStock([Shortfall(self.sku, quantity, self.on_hand)])
        self.on_hand -= quantity
        self.allocated += quantity
        self.check_invariant()

    def give_back(self, quantity: int) -> None:
        if not 0 < quantity <= self.allocated:
            raise AssertionError(f"cannot give back {quantity} of {self.allocated} allocated {self.sku}")
        self.allocated -= quantity
        self.on_hand += quantity
        self.check_invariant()


@dataclass(frozen=True, order=True)
class OrderLine:
    """What a checkout asks for: ``quantity`` units of ``sku``."""

    sku: str
    quantity: int


@dataclass(frozen=True, order=True)
class AllocationLine:
    """What a checkout holds: ``quantity`` units of ``sku`` picked at ``location``."""

    sku: str
    quantity: int
    location: str


class AllocationStatus(StrEnum):
    ALLOCATED = "ALLOCATED"
    RELEASED = "RELEASED"


@dataclass
class Allocation:
    """The stock a checkout holds. A ``RELEASED`` allocation with no lines is a tombstone: the release
    came before (or instead of) the allocation, and a late allocation must not happen after it."""

    checkout_id: str
    status: AllocationStatus
    lines: list[AllocationLine] = field(default_factory=list)
    created_at: datetime | None = None
    released_at: datetime | None = None

    def requested(self) -> list[OrderLine]:
        return sorted(OrderLine(line.sku, line.quantity) for line in self.lines)

    def check_repeat(self, lines: Sequence[OrderLine]) -> None:
        """A second allocation request for this checkout: fine if it is the same one, else why not."""
        if self.status is AllocationStatus.RELEASED:
            raise AllocationAlreadyReleased(f"checkout {self.checkout_id} released its stock already")
        if self.requested() != sorted(lines):
            raise AllocationConflict(f"checkout {self.checkout_id} already holds different items")


def validate_lines(lines: Sequence[OrderLine]) -> None:
    seen: set[str] = set()
    for line in lines:
        if line.quantity <= 0:
            raise ValueError(f"quantity of {line.sku} must be positive")
        if line.sku in seen:
            raise DuplicateSku(f"{line.sku} appears twice")
        seen.add(line.sku)


def allocate(checkout_id: str, lines: Sequence[OrderLine], stock: Mapping[str, StockItem]) -> Allocation:
    """Take every line from ``stock`` or nothing at all.

    Raises :class:`UnknownSkus` (listing all of them) or :class:`OutOfStock` (listing every shortfall)
    before any stock item is changed.
    """
    validate_lines(lines)
    unknown = sorted(line.sku for line in lines if line.sku not in stock)
    if unknown:
        raise UnknownSkus(unknown)
    shortfalls = [
        Shortfall(line.sku, line.quantity, stock[line.sku].on_hand)
        for line in sorted(lines)
        if line.quantity > stock[line.sku].on_hand
    ]
    if shortfalls:
        raise OutOfStock(shortfalls)
    taken = []
    for line in sorted(lines):
        item = stock[line.sku]
        item.take(line.quantity)
        taken.append(AllocationLine(line.sku, line.quantity, item.location))
    return Allocation(checkout_id, AllocationStatus.ALLOCATED, taken)


def release(allocation: Allocation, stock: Mapping[str, StockItem]) -> list[AllocationLine]:
    """Give back everything ``allocation`` holds; returns what was given back (nothing if released)."""
    if allocation.status is AllocationStatus.RELEASED:
        return []
    for line in allocation.lines:
        stock[line.sku].give_back(line.quantity)
    allocation.status = AllocationStatus.RELEASED
    return list(allocation.lines)
