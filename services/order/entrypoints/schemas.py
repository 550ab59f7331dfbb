"""Request bodies of the order API. Strict: unknown fields, floats and strings-as-numbers are 422.

Shape rules live here (distinct SKUs, an allocation that holds exactly the ordered items), so a
malformed request is a 422 ``VALIDATION_FAILED`` with field paths before anything is looked at. Whether
the amounts add up is a business rule of the domain (422 ``TOTAL_MISMATCH``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from services.common.api_types import Identifier, MinorUnits, MoneyModel, Quantity, StrictModel
from services.common.money import Money
from services.order.adapters.orm import LOCATION_LENGTH, REASON_LENGTH
from services.order.domain.model import AllocatedLine, OrderDetails, OrderLine, allocation_gaps
from services.order.service_layer.commands import CreateOrder

MAX_AMOUNT_MINOR = 10**12
"""Ten billion euros (a trillion yen): sums of a few hundred lines stay well inside 64 bits."""
MAX_LINES = 200


class Amount(MoneyModel):
    """``{"amount_minor": 1999, "currency": "EUR"}``, within a sane bound."""

    amount_minor: Annotated[MinorUnits, Field(le=MAX_AMOUNT_MINOR)]


Location = Annotated[str, Field(min_length=1, max_length=LOCATION_LENGTH, examples=["A-01-03"])]


class ItemRequest(StrictModel):
    sku: Identifier
    quantity: Quantity
    unit_price: Amount
    line_total: Amount

    def line(self) -> OrderLine:
        return OrderLine(self.sku, self.quantity, self.unit_price.to_money(), self.line_total.to_money())


class AllocatedItemRequest(StrictModel):
    sku: Identifier
    quantity: Quantity
    location: Location

    def line(self) -> AllocatedLine:
        return AllocatedLine(self.sku, self.quantity, self.location)


class OrderRequest(StrictModel):
    """``POST /v1/orders``: the checkout's priced items, what was charged, and inventory's allocation.

    ``discount`` and ``tax`` are the quote's adjustments; left out, they are zero and ``total`` must be
    the sum of the line totals.
    """

    checkout_id: Identifier
    customer_id: Identifier
    items: Annotated[list[ItemRequest], Field(min_length=1, max_length=MAX_LINES)]
    discount: Amount | None = None
    tax: Amount | None = None
    total: Amount
    quote_id: Identifier
    payment_id: Identifier
    allocation: Annotated[list[AllocatedItemRequest], Field(min_length=1, max_length=MAX_LINES)]

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

    @field_validator("allocation")
    @classmethod
    def _allocates_the_items(
        cls, allocation: list[AllocatedItemRequest], info: ValidationInfo
    ) -> list[AllocatedItemRequest]:
        seen: set[tuple[str, str]] = set()
        for line in allocation:
            if (line.sku, line.location) in seen:
                raise PydanticCustomError(
                    "duplicate_allocation",
                    "SKU {sku} appears twice at location {location}",
                    {"sku": line.sku, "location": line.location},
                )
            seen.add((line.sku, line.location))
        items: list[ItemRequest] | None = info.data.get("items")
        if items is not None:  # else the items are invalid and already reported
            gaps = allocation_gaps(
                ((item.sku, item.quantity) for item in items), ((a.sku, a.quantity) for a in allocation)
            )
            if gaps:
                raise PydanticCustomError(
                    "allocation_mismatch",
                    "must allocate exactly the ordered quantity of every item; differs for {skus}",
                    {"skus": ", ".join(gaps)},
                )
        return allocation

    def command(self) -> CreateOrder:
        zero = Money.zero(self.total.currency)
        details = OrderDetails(
            customer_id=self.customer_id,
            items=tuple(item.line() for item in self.items),
            total=self.total.to_money(),
            quote_id=self.quote_id,
            payment_id=self.payment_id,
            allocation=tuple(line.line() for line in self.allocation),
            discount=zero if self.discount is None else self.discount.to_money(),
            tax=zero if self.tax is None else self.tax.to_money(),
        )
        return CreateOrder(checkout_id=self.checkout_id, details=details)


class BlockRequest(StrictModel):
    """``PUT /v1/blocked-customers/{customer_id}``: why the customer may not order."""

    reason: Annotated[str, Field(min_length=1, max_length=REASON_LENGTH, examples=["chargeback fraud"])]
