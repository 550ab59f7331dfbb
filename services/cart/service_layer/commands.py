"""What callers ask the cart to do, already validated by the entry points."""

from __future__ import annotations

from dataclasses import dataclass

from services.cart.domain.model import RequestedItem
from services.common.money import Money


@dataclass(frozen=True)
class DescribeProduct:
    sku: str
    name: str
    list_price: Money
    max_per_order: int
    sellable: bool


@dataclass(frozen=True)
class ReserveCart:
    checkout_id: str
    customer_id: str
    items: tuple[RequestedItem, ...]


@dataclass(frozen=True)
class ReleaseCart:
    checkout_id: str


@dataclass(frozen=True)
class CheckOutCart:
    checkout_id: str
