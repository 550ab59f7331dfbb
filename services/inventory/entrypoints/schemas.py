"""Request bodies of the inventory API. Strict: unknown fields, floats and strings-as-numbers are 422."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from services.common.api_types import Identifier, StrictModel
from services.inventory.domain.model import OrderLine
from services.inventory.service_layer.commands import AllocateStock

Location = Annotated[str, Field(min_length=1, max_length=100, examples=["A-01-03"])]
OnHand = Annotated[int, Field(strict=True, ge=0, le=1_000_000_000)]
Quantity = Annotated[int, Field(strict=True, gt=0, le=1_000_000)]


class StockLevel(StrictModel):
    """``PUT /v1/stock/{sku}``: free units on hand and where they are."""

    on_hand: OnHand
    location: Location


class ItemRequest(StrictModel):
    sku: Identifier
    quantity: Quantity


class AllocationRequest(StrictModel):
    checkout_id: Identifier
    items: Annotated[list[ItemRequest], Field(min_length=1, max_length=200)]

    @field_validator("items")
    @classmethod
    def _distinct_skus(cls, items: list[ItemRequest]) -> list[ItemRequest]:
        seen: set[str] = set()
        for item in items:
            if item.sku in seen:
                raise PydanticCustomError(
                    "duplicate_sku", "SKU {sku} appears on more than one line", {"sku": item.sku}
                )
            seen.add(item.sku)
        return items

    def command(self) -> AllocateStock:
        return AllocateStock(
            checkout_id=self.checkout_id,
            lines=tuple(OrderLine(item.sku, item.quantity) for item in self.items),
        )
