"""The request body of ``POST /v1/checkouts``: strict, so anything unexpected is a 422 with its path.

The payment method is a processor token (``tok_...``): card numbers and anything else are refused
with a message that does not repeat the value, so it is never echoed, stored or logged.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, StrictInt, field_validator
from pydantic_core import PydanticCustomError

from gateway.domain.model import CheckoutRequest, LineItem
from services.common.api_types import Identifier, StrictModel

MAX_ITEMS = 50
MAX_QUANTITY = 1000
TOKEN = re.compile(r"^tok_[A-Za-z0-9_]{1,100}$")


def _token(value: str) -> str:
    if not TOKEN.fullmatch(value):
        raise PydanticCustomError(
            "payment_token",
            "must be a payment token from the card processor (tok_...); card data is not accepted",
        )
    return value


PaymentToken = Annotated[str, Field(max_length=128, examples=["tok_visa"]), AfterValidator(_token)]
Quantity = Annotated[StrictInt, Field(ge=1, le=MAX_QUANTITY)]
Region = Annotated[
    str, Field(min_length=2, max_length=20, pattern=r"^[A-Z]{2}(-[A-Z0-9]{1,10})?$", examples=["EU-DE"])
]


class ItemBody(StrictModel):
    sku: Identifier
    quantity: Quantity


class CheckoutBody(StrictModel):
    customer_id: Identifier
    items: Annotated[list[ItemBody], Field(min_length=1, max_length=MAX_ITEMS)]
    payment_token: PaymentToken
    shipping_region: Region
    promo_code: Identifier | None = None

    @field_validator("items")
    @classmethod
    def _distinct_skus(cls, items: list[ItemBody]) -> list[ItemBody]:
        seen: set[str] = set()
        for item in items:
            if item.sku in seen:
                raise PydanticCustomError(
                    "duplicate_sku", "SKU {sku} appears on more than one line", {"sku": item.sku}
                )
            seen.add(item.sku)
        return items

    def to_request(self) -> CheckoutRequest:
        return CheckoutRequest(
            customer_id=self.customer_id,
            items=tuple(LineItem(item.sku, item.quantity) for item in self.items),
            shipping_region=self.shipping_region,
            promo_code=self.promo_code,
        )
