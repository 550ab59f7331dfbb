"""The JSON documents pricing answers with (also its OpenAPI response schemas)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from services.common.api_types import MoneyModel
from services.common.audit import AuditOutcome
from services.common.money import Money
from services.pricing.domain.model import Promotion, Quote, QuoteLine, QuoteStatus


def _money(value: Money | None) -> MoneyModel | None:
    return None if value is None else MoneyModel.of(value)


class PriceView(BaseModel):
    sku: str
    unit_price: MoneyModel

    @classmethod
    def of(cls, sku: str, unit_price: Money) -> PriceView:
        return cls(sku=sku, unit_price=MoneyModel.of(unit_price))


class TaxRateView(BaseModel):
    """A region's tax rate in basis points (1900 = 19 %)."""

    region: str
    rate_bp: int


class PromotionView(BaseModel):
    """A promotion's terms; ``redemptions`` is how many active quotes use it right now."""

    code: str
    percent_off: int | None
    amount_off: MoneyModel | None
    min_subtotal: MoneyModel | None
    max_redemptions: int | None
    valid_until: datetime | None
    active: bool
    redemptions: int

    @classmethod
    def of(cls, promotion: Promotion) -> PromotionView:
        terms = promotion.terms
        return cls(
            code=promotion.code,
            percent_off=terms.percent_off,
            amount_off=_money(terms.amount_off),
            min_subtotal=_money(terms.min_subtotal),
            max_redemptions=terms.max_redemptions,
            valid_until=terms.valid_until,
            active=terms.active,
            redemptions=promotion.redemptions,
        )


class QuoteLineView(BaseModel):
    sku: str
    quantity: int
    unit_price: MoneyModel
    line_total: MoneyModel

    @classmethod
    def of(cls, line: QuoteLine) -> QuoteLineView:
        return cls(
            sku=line.sku,
            quantity=line.quantity,
            unit_price=MoneyModel.of(line.unit_price),
            line_total=MoneyModel.of(line.line_total),
        )


class QuoteView(BaseModel):
    """A checkout's quote. A tombstone (voided before anything was quoted) has ``status`` ``VOIDED``,
    no lines, and every other member null."""

    quote_id: str | None
    checkout_id: str
    customer_id: str | None
    status: QuoteStatus
    currency: str | None
    lines: list[QuoteLineView]
    subtotal: MoneyModel | None
    discount: MoneyModel | None
    tax: MoneyModel | None
    total: MoneyModel | None
    promo_code: str | None
    shipping_region: str | None
    tax_rate_bp: int | None
    quoted_at: datetime | None
    voided_at: datetime | None

    @classmethod
    def of(cls, quote: Quote) -> QuoteView:
        return cls(
            quote_id=quote.quote_id,
            checkout_id=quote.checkout_id,
            customer_id=quote.customer_id,
            status=quote.status,
            currency=quote.currency,
            lines=[QuoteLineView.of(line) for line in quote.lines],
            subtotal=_money(quote.subtotal),
            discount=_money(quote.discount),
            tax=_money(quote.tax),
            total=_money(quote.total),
            promo_code=quote.promo_code,
            shipping_region=quote.shipping_region,
            tax_rate_bp=quote.tax_rate_bp,
            quoted_at=quote.quoted_at,
            voided_at=quote.voided_at,
        )


class VoidView(BaseModel):
    """What a void did: ``outcome`` says whether a quote was voided now; ``quote_id`` is null when the
    checkout was never quoted."""

    outcome: AuditOutcome
    checkout_id: str
    quote_id: str | None


def body(view: BaseModel) -> dict[str, Any]:
    return view.model_dump(mode="json")
