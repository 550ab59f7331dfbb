"""Why the cart said no. The service layer turns these into problem codes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class LimitExceeded:
    """One line asks for more units than a single order may hold of that product."""

    sku: str
    requested: int
    limit: int


class CartError(Exception):
    """Base of every business rule violation of the cart."""


class UnknownSkus(CartError):
    """Some requested SKUs are not in the catalogue."""

    def __init__(self, skus: Sequence[str]) -> None:
        super().__init__(f"unknown SKUs: {', '.join(skus)}")
        self.skus = tuple(skus)


class ItemsNotSellable(CartError):
    """Some requested products are in the catalogue but no longer sold."""

    def __init__(self, skus: Sequence[str]) -> None:
        super().__init__(f"not sellable: {', '.join(skus)}")
        self.skus = tuple(skus)


class QuantityLimitExceeded(CartError):
    """At least one line asks for more than its product's ``max_per_order``; nothing was reserved."""

    def __init__(self, exceeded: Sequence[LimitExceeded]) -> None:
        super().__init__(
            "; ".join(f"{e.sku}: {e.requested} requested, at most {e.limit} per order" for e in exceeded)
        )
        self.exceeded = tuple(exceeded)


class MixedCurrency(CartError):
    """The products are priced in more than one currency: there is no single total to give."""

    def __init__(self, currencies: Sequence[str]) -> None:
        super().__init__(f"products priced in several currencies: {', '.join(currencies)}")
        self.currencies = tuple(currencies)


class DuplicateSku(CartError):
    """The same SKU appears on two lines of one request."""


class ReservationConflict(CartError):
    """The checkout already holds a reservation for another customer or other items."""


class ReservationAlreadyReleased(CartError):
    """The checkout's reservation was released (or released before it came): it is not made again."""
