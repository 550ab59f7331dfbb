"""Request bodies of the cart API. Strict: unknown fields, floats and strings-as-numbers are 422."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StrictBool, StrictInt, field_validator
from pydantic_core import PydanticCustomError

from services.cart.domain.model import DEFAULT_MAX_PER_ORDER, MAX_QUANTITY, RequestedItem
from services.cart.service_layer.commands import DescribeProduct, ReserveCart
from services.common.api_types import Identifier, MoneyModel, StrictModel

MAX_PRICE_MINOR = 10_000_000_000
"""A list price's ceiling (100 million in a two-decimal currency): even 200 lines of 1000 units at it
add up to less than 2^53, so every total stays exact for JSON readers that use doubles."""

Name = Annotated[str, Field(min_length=1, max_length=200, examples=["Espresso beans 1 kg"])]
Quantity = Annotated[StrictInt, Field(gt=0, le=MAX_QUANTITY, description="Units of the product.")]
MaxPerOrder = Annotated[StrictInt, Field(ge=1, le=MAX_QUANTITY)]
PriceMinor = Annotated[StrictInt, Field(ge=0, le=MAX_PRICE_MINOR, description="Minor units: an integer.")]


class ListPrice(MoneyModel):
    """A unit price: ``MoneyModel`` with a ceiling (see ``MAX_PRICE_MINOR``)."""

    amount_minor: PriceMinor


class ProductRequest(StrictModel):
    """``PUT /v1/products/{sku}``: the whole description of a product (omitted fields get defaults)."""

    name: Name
    list_price: ListPrice
    max_per_order: MaxPerOrder = DEFAULT_MAX_PER_ORDER
    sellable: StrictBool = True

    def command(self, sku: str) -> DescribeProduct:
        return DescribeProduct(
            sku=sku,
            name=self.name,
            list_price=self.list_price.to_money(),
            max_per_order=self.max_per_order,
            sellable=self.sellable,
        )


class ItemRequest(StrictModel):
    sku: Identifier
    quantity: Quantity


class ReservationRequest(StrictModel):
    checkout_id: Identifier
    customer_id: Identifier
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

    def command(self) -> ReserveCart:
        return ReserveCart(
            checkout_id=self.checkout_id,
            customer_id=self.customer_id,
            items=tuple(RequestedItem(item.sku, item.quantity) for item in self.items),
        )
