"""Domain events of the cart, written to the outbox with the change that caused them.

Each has a type name and a schema version; payloads only grow compatible fields within a version.
Money travels as ``{"amount_minor": int, "currency": str}``, as on the API.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from services.cart.domain.model import Product, ReservedItem
from services.common.money import Money


def _money(money: Money) -> dict[str, Any]:
    return {"amount_minor": money.amount_minor, "currency": money.currency}


def _items(items: Sequence[ReservedItem]) -> list[dict[str, Any]]:
    return [
        {
            "sku": item.sku,
            "name": item.name,
            "quantity": item.quantity,
            "unit_price": _money(item.unit_price),
            "line_total": _money(item.line_total),
        }
        for item in items
    ]


@dataclass(frozen=True)
class CartReserved:
    """A checkout's items are held at these prices; ``provisional_total`` is what they add up to."""

    event_type: ClassVar[str] = "CartReserved"
    schema_version: ClassVar[int] = 1
    checkout_id: str
    customer_id: str
    items: tuple[ReservedItem, ...]
    provisional_total: Money

    def payload(self) -> dict[str, Any]:
        return {
            "checkout_id": self.checkout_id,
            "customer_id": self.customer_id,
            "items": _items(self.items),
            "provisional_total": _money(self.provisional_total),
        }


@dataclass(frozen=True)
class CartReleased:
    """A checkout's reservation was given back (its compensation ran)."""

    event_type: ClassVar[str] = "CartReleased"
    schema_version: ClassVar[int] = 1
    checkout_id: str
    items: tuple[ReservedItem, ...]

    def payload(self) -> dict[str, Any]:
        return {"checkout_id": self.checkout_id, "items": _items(self.items)}


@dataclass(frozen=True)
class CartCheckedOut:
    """A checkout's order was created, so its reservation no longer holds ``items``: they are the
    order's now, and the products' reserved quantities went down by them."""

    event_type: ClassVar[str] = "CartCheckedOut"
    schema_version: ClassVar[int] = 1
    checkout_id: str
    items: tuple[ReservedItem, ...]

    def payload(self) -> dict[str, Any]:
        return {"checkout_id": self.checkout_id, "items": _items(self.items)}


@dataclass(frozen=True)
class ProductUpdated:
    """An admin created or changed a product (``created`` tells which); its description as it is now."""

    event_type: ClassVar[str] = "ProductUpdated"
    schema_version: ClassVar[int] = 1
    sku: str
    name: str
    list_price: Money
    max_per_order: int
    sellable: bool
    created: bool

    @classmethod
    def of(cls, product: Product, *, created: bool) -> ProductUpdated:
        return cls(
            product.sku, product.name, product.list_price, product.max_per_order, product.sellable, created
        )

    @property
    def checkout_id(self) -> str | None:
        return None

    def payload(self) -> dict[str, Any]:
        return {
            "sku": self.sku,
            "name": self.name,
            "list_price": _money(self.list_price),
            "max_per_order": self.max_per_order,
            "sellable": self.sellable,
            "created": self.created,
        }
