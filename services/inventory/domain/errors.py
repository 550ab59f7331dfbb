"""Why the inventory said no. The service layer turns these into problem codes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Shortfall:
    sku: str
    requested: int
    available: int


class InventoryError(Exception):
    """Base of every business rule violation of the inventory."""


class UnknownSkus(InventoryError):
    """Some requested SKUs have never been stocked."""

    def __init__(self, skus: Sequence[str]) -> None:
        super().__init__(f"unknown SKUs: {', '.join(skus)}")
        self.skus = tuple(skus)


class OutOfStock(InventoryError):
    """At least one line asks for more than is on hand; nothing was allocated."""

    def __init__(self, shortfalls: Sequence[Shortfall]) -> None:
        super().__init__(
            "; ".join(f"{s.sku}: {s.requested} requested, {s.available} on hand" for s in shortfalls)
        )
        self.shortfalls = tuple(shortfalls)


class AllocationConflict(InventoryError):
    """The checkout already holds an allocation of different items."""


class AllocationAlreadyReleased(InventoryError):
    """The checkout's allocation was released (or released before it came): it is not allocated again."""


class DuplicateSku(InventoryError):
    """The same SKU appears on two lines of one request."""
