"""Products and reservations, and the rules that move units between them.

:func:`reserve` is all-or-nothing: every line is checked (known, sellable, within its product's
per-order limit, one currency for all) before any product's ``reserved_quantity`` moves, and the
prices are copied into the reservation so a later price change does not alter a checkout under way.
A reservation holds its units only while its checkout is under way; it ends one of two ways, and
whichever comes first gives the units back, exactly once:

- :func:`check_out`: the checkout's order was created, so its units now belong to the order (the
  inventory service holds the stock) and the cart stops counting them;
- :func:`release`: the checkout was compensated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from services.cart.domain.errors import (
    DuplicateSku,
    ItemsNotSellable,
    LimitExceeded,
    MixedCurrency,
    QuantityLimitExceeded,
    ReservationAlreadyReleased,
    ReservationConflict,
    UnknownSkus,
)
from services.common.money import Money

DEFAULT_MAX_PER_ORDER = 10
MAX_QUANTITY = 1000
"""The most units of one product any line (and any product's ``max_per_order``) may name."""


@dataclass
class Product:
    """A catalogue entry: what it is called, what it costs, how many one order may take."""

    sku: str
    name: str
    list_price: Money
    max_per_order: int = DEFAULT_MAX_PER_ORDER
    sellable: bool = True
    reserved_quantity: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.max_per_order <= MAX_QUANTITY:
            raise ValueError(f"max_per_order must be between 1 and {MAX_QUANTITY}")
        if self.reserved_quantity < 0:
            raise AssertionError(f"reserved quantity of {self.sku} is negative")

    def describe(self, name: str, list_price: Money, max_per_order: int, sellable: bool) -> bool:
        """An admin's new description of the product; ``True`` when anything changed.

        What checkouts hold is untouched: reservations keep the price they were made at.
        """
        updated = Product(self.sku, name, list_price, max_per_order, sellable, self.reserved_quantity)
        if updated == self:
            return False
        self.name, self.list_price = name, list_price
        self.max_per_order, self.sellable = max_per_order, sellable
        return True

    def hold(self, quantity: int) -> None:
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        self.reserved_quantity += quantity

    def give_back(self, quantity: int) -> None:
        if not 0 < quantity <= self.reserved_quantity:
            raise AssertionError(
                f"cannot give back {quantity} of {self.reserved_quantity} reserved {self.sku}"
            )
        self.reserved_quantity -= quantity


@dataclass(frozen=True, order=True)
class RequestedItem:
    """What a checkout asks for: ``quantity`` units of ``sku``."""

    sku: str
    quantity: int


@dataclass(frozen=True)
class ReservedItem:
    """A reserved line, priced when it was reserved."""

    sku: str
    name: str
    quantity: int
    unit_price: Money

    @property
    def line_total(self) -> Money:
        return self.unit_price.times(self.quantity)


class ReservationStatus(StrEnum):
    RESERVED = "RESERVED"
    CHECKED_OUT = "CHECKED_OUT"
    """The checkout's order was created: the items are the order's, the cart holds nothing any more."""
    RELEASED = "RELEASED"


class CheckOutOutcome(StrEnum):
    """What :func:`check_out` found."""

    CHECKED_OUT = "CHECKED_OUT"
    """The reservation held its units until now; they were given back."""
    ALREADY_CHECKED_OUT = "ALREADY_CHECKED_OUT"
    """An earlier check-out ended it."""
    ALREADY_RELEASED = "ALREADY_RELEASED"
    """The checkout was compensated first (or released before reserving): nothing was held."""


@dataclass
class Reservation:
    """What a checkout holds. A ``RELEASED`` reservation with no items and no customer is a tombstone:
    the release came before (or instead of) the reservation, and a late reservation must not follow."""

    checkout_id: str
    status: ReservationStatus
    customer_id: str | None = None
    items: list[ReservedItem] = field(default_factory=list)
    reserved_at: datetime | None = None
    released_at: datetime | None = None
    checked_out_at: datetime | None = None

    @property
    def currency(self) -> str | None:
        return self.items[0].unit_price.currency if self.items else None

    @property
    def provisional_total(self) -> Money | None:
        """The sum of the line totals (``None`` for a tombstone, which has no lines and no currency)."""
        if not self.items:
            return None
        total = Money.zero(self.items[0].unit_price.currency)
        for item in self.items:
            total += item.line_total
        return total

    def requested(self) -> list[RequestedItem]:
        return sorted(RequestedItem(item.sku, item.quantity) for item in self.items)

    def check_repeat(self, customer_id: str, items: Sequence[RequestedItem]) -> None:
        """A second reservation request for this checkout: fine if it is the same one, else why not."""
        if self.status is ReservationStatus.RELEASED:
            raise ReservationAlreadyReleased(f"checkout {self.checkout_id} released its reservation already")
        if self.customer_id != customer_id or self.requested() != sorted(items):
            raise ReservationConflict(f"checkout {self.checkout_id} already holds a different reservation")


def validate_items(items: Sequence[RequestedItem]) -> None:
    seen: set[str] = set()
    for item in items:
        if not 0 < item.quantity <= MAX_QUANTITY:
            raise ValueError(f"quantity of {item.sku} must be between 1 and {MAX_QUANTITY}")
        if item.sku in seen:
            raise DuplicateSku(f"{item.sku} appears twice")
        seen.add(item.sku)


def _check(items: Sequence[RequestedItem], products: Mapping[str, Product]) -> None:
    """Every reason to refuse, in order: unknown, not sellable, over the limit, several currencies."""
    unknown = sorted(item.sku for item in items if item.sku not in products)
    if unknown:
        raise UnknownSkus(unknown)
    not_sellable = sorted(item.sku for item in items if not products[item.sku].sellable)
    if not_sellable:
        raise ItemsNotSellable(not_sellable)
    exceeded = [
        LimitExceeded(item.sku, item.quantity, products[item.sku].max_per_order)
        for item in sorted(items)
        if item.quantity > products[item.sku].max_per_order
    ]
    if exceeded:
        raise QuantityLimitExceeded(exceeded)
    currencies = sorted({products[item.sku].list_price.currency for item in items})
    if len(currencies) > 1:
        raise MixedCurrency(currencies)


def reserve(
    checkout_id: str, customer_id: str, items: Sequence[RequestedItem], products: Mapping[str, Product]
) -> Reservation:
    """Hold every item for the checkout at today's list price, or nothing at all.

    Raises :class:`UnknownSkus`, :class:`ItemsNotSellable`, :class:`QuantityLimitExceeded` (listing
    every offending line) or :class:`MixedCurrency` before any product is changed.
    """
    validate_items(items)
    _check(items, products)
    reserved = []
    for item in sorted(items):
        product = products[item.sku]
        product.hold(item.quantity)
        reserved.append(ReservedItem(item.sku, product.name, item.quantity, product.list_price))
    return Reservation(checkout_id, ReservationStatus.RESERVED, customer_id, reserved)


def _give_back(reservation: Reservation, products: Mapping[str, Product]) -> list[ReservedItem]:
    for item in reservation.items:
        products[item.sku].give_back(item.quantity)
    return list(reservation.items)


def release(reservation: Reservation, products: Mapping[str, Product]) -> list[ReservedItem]:
    """Give back everything ``reservation`` holds; returns what was given back.

    Nothing comes back from a released reservation, nor from a checked-out one: its check-out gave
    its units back already. A checked-out reservation still becomes ``RELEASED``, so its checkout reads
    as compensated and a retried reservation is refused.
    """
    if reservation.status is ReservationStatus.RELEASED:
        return []
    given_back = _give_back(reservation, products) if reservation.status is ReservationStatus.RESERVED else []
    reservation.status = ReservationStatus.RELEASED
    return given_back


def check_out(reservation: Reservation, products: Mapping[str, Product]) -> CheckOutOutcome:
    """End the hold of a reservation whose order was created, giving its units back (once)."""
    if reservation.status is ReservationStatus.RELEASED:
        return CheckOutOutcome.ALREADY_RELEASED
    if reservation.status is ReservationStatus.CHECKED_OUT:
        return CheckOutOutcome.ALREADY_CHECKED_OUT
    _give_back(reservation, products)
    reservation.status = ReservationStatus.CHECKED_OUT
    return CheckOutOutcome.CHECKED_OUT
