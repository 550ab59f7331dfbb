"""Contracts of pricing's events (topic ``pricing.events``), as ``services/pricing/domain/events.py``
writes them. Admin changes to the catalogue carry no checkout id."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from events.contracts.base import ContractModel, EventPayload, Topic
from events.contracts.fields import CurrencyCode, Money, Quantity, Timestamp
from events.topics import SERVICE_TOPICS

BasisPoints = Annotated[int, Field(ge=0, le=10_000, description="A tax rate in basis points: 1900 is 19 %.")]


class QuoteLine(ContractModel):
    """A priced line; its unit price is locked for the checkout."""

    sku: str
    quantity: Quantity
    unit_price: Money
    line_total: Money


class PriceQuotedV1(EventPayload):
    """A checkout was quoted: its locked lines and the amounts payment will charge
    (``total == subtotal - discount + tax``, all in ``currency``)."""

    event_type = "PriceQuoted"
    schema_version = 1
    checkout_id: str
    quote_id: str
    customer_id: str
    currency: CurrencyCode
    lines: list[QuoteLine]
    subtotal: Money
    discount: Money
    tax: Money
    total: Money
    promo_code: str | None
    shipping_region: str
    tax_rate_bp: BasisPoints


class QuoteVoidedV1(EventPayload):
    """A checkout's quote was voided by its compensation; ``promo_code`` (if any) got its redemption
    back."""

    event_type = "QuoteVoided"
    schema_version = 1
    checkout_id: str
    quote_id: str
    promo_code: str | None


class PriceChangedV1(EventPayload):
    """An admin set a SKU's unit price; ``previous_unit_price`` is null for a new SKU."""

    event_type = "PriceChanged"
    schema_version = 1
    sku: str
    unit_price: Money
    previous_unit_price: Money | None


class PromotionChangedV1(EventPayload):
    """An admin created (``created``) or changed a promotion: its terms as they are now. Exactly one
    of ``percent_off`` and ``amount_off`` is set; ``redemptions`` counts the active quotes using it."""

    event_type = "PromotionChanged"
    schema_version = 1
    code: str
    percent_off: Annotated[int, Field(ge=1, le=100)] | None
    amount_off: Money | None
    min_subtotal: Money | None
    max_redemptions: Annotated[int, Field(ge=0)] | None
    valid_until: Timestamp | None
    active: bool
    redemptions: Annotated[int, Field(ge=0)]
    created: bool


class TaxRateChangedV1(EventPayload):
    """An admin set a region's tax rate; ``previous_rate_bp`` is null for a new region."""

    event_type = "TaxRateChanged"
    schema_version = 1
    region: str
    rate_bp: BasisPoints
    previous_rate_bp: BasisPoints | None


TOPIC = Topic(
    SERVICE_TOPICS["pricing"],
    (PriceQuotedV1, QuoteVoidedV1, PriceChangedV1, PromotionChangedV1, TaxRateChangedV1),
)
