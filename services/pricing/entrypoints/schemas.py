"""Request bodies of the pricing API. Strict: unknown fields, floats and strings-as-numbers are 422.

Promotion codes are case-insensitive: they are upper-cased on the way in (paths and bodies alike), so
``save10`` and ``SAVE10`` name one promotion.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    Field,
    StrictBool,
    StrictInt,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from services.common.api_types import Identifier, MoneyModel, StrictModel
from services.pricing.domain.model import (
    BASIS_POINTS,
    MAX_QUANTITY,
    PromotionTerms,
    QuoteRequest,
    RequestedItem,
)
from services.pricing.service_layer.commands import QuoteCheckout

MAX_PRICE_MINOR = 10_000_000_000
"""A unit price's ceiling (100 million in a two-decimal currency): even 200 lines of 1000 units at it,
plus a 100 % tax, stay below 2^53, so every amount is exact for JSON readers that use doubles."""
MAX_LINES = 200

REGION_PATTERN = r"^[A-Z]{2}(-[A-Z0-9]{1,8})?$"
PROMO_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_\-]*$"
PROMO_CODE_MAX_LENGTH = 40

Region = Annotated[str, Field(min_length=2, max_length=11, pattern=REGION_PATTERN, examples=["EU-DE"])]
PromoCode = Annotated[
    str,
    Field(min_length=1, max_length=PROMO_CODE_MAX_LENGTH, pattern=PROMO_CODE_PATTERN, examples=["SAVE10"]),
    AfterValidator(str.upper),
]
Quantity = Annotated[StrictInt, Field(gt=0, le=MAX_QUANTITY, description="Units of the SKU.")]
PriceMinor = Annotated[StrictInt, Field(ge=0, le=MAX_PRICE_MINOR, description="Minor units: an integer.")]
PositiveMinor = Annotated[StrictInt, Field(ge=1, le=MAX_PRICE_MINOR, description="Minor units, at least 1.")]


class Price(MoneyModel):
    """A unit price or a promotion's minimum subtotal: ``MoneyModel`` with a ceiling."""

    amount_minor: PriceMinor


class Discount(MoneyModel):
    """A fixed discount: at least one minor unit."""

    amount_minor: PositiveMinor


class PriceRequest(StrictModel):
    """``PUT /v1/prices/{sku}``."""

    unit_price: Price


class TaxRateRequest(StrictModel):
    """``PUT /v1/tax-rates/{region}``: the rate in basis points (1900 = 19 %)."""

    rate_bp: Annotated[StrictInt, Field(ge=0, le=BASIS_POINTS)]


class PromotionRequest(StrictModel):
    """``PUT /v1/promotions/{code}``: the whole terms (omitted members are null, ``active`` true)."""

    percent_off: Annotated[StrictInt, Field(ge=1, le=100)] | None = None
    amount_off: Discount | None = Field(default=None, validate_default=True)
    min_subtotal: Price | None = Field(default=None, validate_default=True)
    max_redemptions: Annotated[StrictInt, Field(ge=0, le=1_000_000_000)] | None = None
    valid_until: AwareDatetime | None = None
    active: StrictBool = True

    @field_validator("amount_off")
    @classmethod
    def _one_kind_of_discount(cls, amount_off: Discount | None, info: ValidationInfo) -> Discount | None:
        if "percent_off" not in info.data:  # percent_off itself was invalid: that error says enough
            return amount_off
        if (info.data["percent_off"] is None) == (amount_off is None):
            raise PydanticCustomError("one_discount", "give exactly one of percent_off and amount_off")
        return amount_off

    @field_validator("min_subtotal")
    @classmethod
    def _one_currency(cls, min_subtotal: Price | None, info: ValidationInfo) -> Price | None:
        amount_off = info.data.get("amount_off")
        if (
            min_subtotal is not None
            and amount_off is not None
            and min_subtotal.currency != amount_off.currency
        ):
            raise PydanticCustomError("currency_mismatch", "must be in the currency of amount_off")
        return min_subtotal

    def terms(self) -> PromotionTerms:
        return PromotionTerms(
            percent_off=self.percent_off,
            amount_off=None if self.amount_off is None else self.amount_off.to_money(),
            min_subtotal=None if self.min_subtotal is None else self.min_subtotal.to_money(),
            max_redemptions=self.max_redemptions,
            valid_until=self.valid_until,
            active=self.active,
        )


class ItemRequest(StrictModel):
    sku: Identifier
    quantity: Quantity


class QuoteRequestBody(StrictModel):
    """``POST /v1/quotes``."""

    checkout_id: Identifier
    customer_id: Identifier
    items: Annotated[list[ItemRequest], Field(min_length=1, max_length=MAX_LINES)]
    shipping_region: Region
    promo_code: PromoCode | None = None

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

    def command(self) -> QuoteCheckout:
        request = QuoteRequest(
            customer_id=self.customer_id,
            items=tuple(RequestedItem(item.sku, item.quantity) for item in self.items),
            shipping_region=self.shipping_region,
            promo_code=self.promo_code,
        )
        return QuoteCheckout(self.checkout_id, request)
