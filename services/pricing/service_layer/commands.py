"""What callers ask pricing to do, already validated by the entry points."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.money import Money
from services.pricing.domain.model import PromotionTerms, QuoteRequest


@dataclass(frozen=True)
class SetPrice:
    sku: str
    unit_price: Money


@dataclass(frozen=True)
class SetPromotion:
    code: str
    terms: PromotionTerms


@dataclass(frozen=True)
class SetTaxRate:
    region: str
    rate_bp: int


@dataclass(frozen=True)
class QuoteCheckout:
    checkout_id: str
    request: QuoteRequest


@dataclass(frozen=True)
class VoidQuote:
    checkout_id: str
