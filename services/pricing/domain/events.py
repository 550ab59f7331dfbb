"""Domain events of pricing, written to the outbox with the change that caused them.

Each has a type name and a schema version; payloads only grow compatible fields within a version.
Money travels as ``{"amount_minor": int, "currency": str}``, as on the API. Admin changes to the
catalogue carry no checkout id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from services.common.money import Money
from services.pricing.domain.model import Promotion, PromotionTerms, Quote


def money(value: Money | None) -> dict[str, Any] | None:
    return None if value is None else {"amount_minor": value.amount_minor, "currency": value.currency}


@dataclass(frozen=True)
class PriceChanged:
    """An admin set a SKU's unit price (``previous_unit_price`` is ``None`` for a new SKU)."""

    event_type: ClassVar[str] = "PriceChanged"
    schema_version: ClassVar[int] = 1
    sku: str
    unit_price: Money
    previous_unit_price: Money | None

    @property
    def checkout_id(self) -> str | None:
        return None

    def payload(self) -> dict[str, Any]:
        return {
            "sku": self.sku,
            "unit_price": money(self.unit_price),
            "previous_unit_price": money(self.previous_unit_price),
        }


@dataclass(frozen=True)
class PromotionChanged:
    """An admin created or changed a promotion (``created`` tells which); its terms as they are now."""

    event_type: ClassVar[str] = "PromotionChanged"
    schema_version: ClassVar[int] = 1
    code: str
    terms: PromotionTerms
    redemptions: int
    created: bool

    @classmethod
    def of(cls, promotion: Promotion, *, created: bool) -> PromotionChanged:
        return cls(promotion.code, promotion.terms, promotion.redemptions, created)

    @property
    def checkout_id(self) -> str | None:
        return None

    def payload(self) -> dict[str, Any]:
        terms = self.terms
        return {
            "code": self.code,
            "percent_off": terms.percent_off,
            "amount_off": money(terms.amount_off),
            "min_subtotal": money(terms.min_subtotal),
            "max_redemptions": terms.max_redemptions,
            "valid_until": None if terms.valid_until is None else terms.valid_until.isoformat(),
            "active": terms.active,
            "redemptions": self.redemptions,
            "created": self.created,
        }


@dataclass(frozen=True)
class TaxRateChanged:
    """An admin set a region's tax rate (``previous_rate_bp`` is ``None`` for a new region)."""

    event_type: ClassVar[str] = "TaxRateChanged"
    schema_version: ClassVar[int] = 1
    region: str
    rate_bp: int
    previous_rate_bp: int | None

    @property
    def checkout_id(self) -> str | None:
        return None

    def payload(self) -> dict[str, Any]:
        return {"region": self.region, "rate_bp": self.rate_bp, "previous_rate_bp": self.previous_rate_bp}


@dataclass(frozen=True)
class PriceQuoted:
    """A checkout was quoted: its locked lines and the amounts payment will charge."""

    event_type: ClassVar[str] = "PriceQuoted"
    schema_version: ClassVar[int] = 1
    quote: Quote

    @property
    def checkout_id(self) -> str:
        return self.quote.checkout_id

    def payload(self) -> dict[str, Any]:
        quote = self.quote
        return {
            "checkout_id": quote.checkout_id,
            "quote_id": quote.quote_id,
            "customer_id": quote.customer_id,
            "currency": quote.currency,
            "lines": [
                {
                    "sku": line.sku,
                    "quantity": line.quantity,
                    "unit_price": money(line.unit_price),
                    "line_total": money(line.line_total),
                }
                for line in quote.lines
            ],
            "subtotal": money(quote.subtotal),
            "discount": money(quote.discount),
            "tax": money(quote.tax),
            "total": money(quote.total),
            "promo_code": quote.promo_code,
            "shipping_region": quote.shipping_region,
            "tax_rate_bp": quote.tax_rate_bp,
        }


@dataclass(frozen=True)
class QuoteVoided:
    """A checkout's quote was voided (its compensation ran); ``promo_code`` got its redemption back."""

    event_type: ClassVar[str] = "QuoteVoided"
    schema_version: ClassVar[int] = 1
    checkout_id: str
    quote_id: str
    promo_code: str | None

    def payload(self) -> dict[str, Any]:
        return {"checkout_id": self.checkout_id, "quote_id": self.quote_id, "promo_code": self.promo_code}
