"""Prices, promotions, tax rates and quotes, and the rules that turn a checkout's items into a total.

All arithmetic is on integer minor units: a percentage discount and the tax are rounded half up to the
minor unit with integer division (:func:`divide_half_up`), never through a float. :func:`quote` checks
everything before it changes anything (the only change is one redemption of the promotion), and
:func:`void` gives back exactly that redemption.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from services.common.money import Money
from services.pricing.domain.errors import (
    DuplicateSku,
    InvalidPromotion,
    MixedCurrency,
    PromotionRefusal,
    QuoteAlreadyVoided,
    QuoteConflict,
    RedemptionLimitBelowUse,
    UnknownSkus,
    UnsupportedRegion,
)

MAX_QUANTITY = 1000
"""The most units of one SKU a quote line may hold (the cart's per-line ceiling too)."""
BASIS_POINTS = 10_000
"""A tax rate of 10 000 basis points is 100 %."""
PERCENT = 100


def divide_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded to the nearest integer, halves up; exact for any size."""
    if numerator < 0 or denominator <= 0:
        raise ValueError("divide_half_up takes a non-negative numerator and a positive denominator")
    return (2 * numerator + denominator) // (2 * denominator)


def tax_on(amount: Money, rate_bp: int) -> Money:
    """The tax on ``amount`` at ``rate_bp`` basis points, rounded half up to the minor unit."""
    return Money(divide_half_up(amount.amount_minor * rate_bp, BASIS_POINTS), amount.currency)


def check_rate(rate_bp: int) -> None:
    if type(rate_bp) is not int or not 0 <= rate_bp <= BASIS_POINTS:
        raise ValueError(f"a tax rate is 0..{BASIS_POINTS} basis points, not {rate_bp!r}")


@dataclass(frozen=True)
class PromotionTerms:
    """What an admin says a promotion gives (exactly one of ``percent_off`` and ``amount_off``) and
    when it may be used. Money amounts of one promotion share one currency."""

    percent_off: int | None = None
    amount_off: Money | None = None
    min_subtotal: Money | None = None
    max_redemptions: int | None = None
    valid_until: datetime | None = None
    active: bool = True

    def __post_init__(self) -> None:
        if (self.percent_off is None) == (self.amount_off is None):
            raise ValueError("a promotion gives exactly one of percent_off and amount_off")
        if self.percent_off is not None and not 1 <= self.percent_off <= PERCENT:
            raise ValueError("percent_off is 1..100")
        if self.amount_off is not None and self.amount_off.amount_minor <= 0:
            raise ValueError("amount_off must be positive")
        if self.min_subtotal is not None and self.min_subtotal.is_negative():
            raise ValueError("min_subtotal cannot be negative")
        if len({money.currency for money in (self.amount_off, self.min_subtotal) if money}) > 1:
            raise ValueError("amount_off and min_subtotal must be in one currency")
        if self.max_redemptions is not None and self.max_redemptions < 0:
            raise ValueError("max_redemptions cannot be negative")
        if self.valid_until is not None and self.valid_until.tzinfo is None:
            raise ValueError("valid_until must carry a time zone")

    @property
    def currency(self) -> str | None:
        """The currency the promotion's amounts are in; ``None`` for a percentage with no minimum."""
        for money in (self.amount_off, self.min_subtotal):
            if money is not None:
                return money.currency
        return None

    def discount_on(self, subtotal: Money) -> Money:
        """A percentage of ``subtotal`` rounded half up, or the fixed amount capped at ``subtotal``."""
        if self.percent_off is not None:
            return Money(divide_half_up(subtotal.amount_minor * self.percent_off, PERCENT), subtotal.currency)
        assert self.amount_off is not None
        return Money(min(self.amount_off.amount_minor, subtotal.amount_minor), subtotal.currency)


@dataclass
class Promotion:
    """A promotion code, its terms, and how many ``ACTIVE`` quotes hold one of its redemptions."""

    code: str
    terms: PromotionTerms
    redemptions: int = 0

    def __post_init__(self) -> None:
        self.check_invariant()

    def check_invariant(self) -> None:
        limit = self.terms.max_redemptions
        if self.redemptions < 0 or (limit is not None and self.redemptions > limit):
            raise AssertionError(f"redemptions of {self.code} out of bounds: {self.redemptions}/{limit}")

    def redefine(self, terms: PromotionTerms) -> bool:
        """An admin's new terms; ``True`` when anything changed. Redemptions held stay held, so the
        limit cannot drop below them (:class:`RedemptionLimitBelowUse`)."""
        if terms.max_redemptions is not None and terms.max_redemptions < self.redemptions:
            raise RedemptionLimitBelowUse(self.code, terms.max_redemptions, self.redemptions)
        changed = terms != self.terms
        self.terms = terms
        return changed

    def refusal(self, subtotal: Money, now: datetime) -> InvalidPromotion | None:
        """Why the promotion cannot apply to ``subtotal`` at ``now``, checked in this order:
        inactive, expired, exhausted, another currency, below the minimum; ``None`` when it can."""
        terms = self.terms

        def refused(reason: PromotionRefusal, detail: str) -> InvalidPromotion:
            return InvalidPromotion(self.code, reason, detail)

        if not terms.active:
            return refused(PromotionRefusal.INACTIVE, "is not active")
        if terms.valid_until is not None and now >= terms.valid_until:
            return refused(PromotionRefusal.EXPIRED, f"expired at {terms.valid_until.isoformat()}")
        if terms.max_redemptions is not None and self.redemptions >= terms.max_redemptions:
            return refused(PromotionRefusal.EXHAUSTED, f"all {terms.max_redemptions} redemptions are taken")
        if terms.currency not in (None, subtotal.currency):
            return refused(
                PromotionRefusal.CURRENCY_MISMATCH,
                f"is in {terms.currency}, the items in {subtotal.currency}",
            )
        if terms.min_subtotal is not None and subtotal < terms.min_subtotal:
            return refused(
                PromotionRefusal.BELOW_MINIMUM, f"needs a subtotal of at least {terms.min_subtotal}"
            )
        return None

    def redeem(self, subtotal: Money, now: datetime) -> Money:
        """Take one redemption for a quote of ``subtotal``; returns its discount."""
        refusal = self.refusal(subtotal, now)
        if refusal is not None:
            raise refusal
        self.redemptions += 1
        self.check_invariant()
        return self.terms.discount_on(subtotal)

    def give_back(self) -> None:
        """A quote holding one redemption was voided."""
        if self.redemptions <= 0:
            raise AssertionError(f"no redemption of {self.code} to give back")
        self.redemptions -= 1


@dataclass(frozen=True, order=True)
class RequestedItem:
    """What a checkout asks to be priced: ``quantity`` units of ``sku``."""

    sku: str
    quantity: int


@dataclass(frozen=True)
class QuoteRequest:
    """Everything a quote is computed from besides the catalogue: what makes two requests "the same"."""

    customer_id: str
    items: tuple[RequestedItem, ...]
    shipping_region: str
    promo_code: str | None = None

    def normalised(self) -> QuoteRequest:
        """The same request with its items in SKU order (request order does not matter)."""
        return QuoteRequest(
            self.customer_id, tuple(sorted(self.items)), self.shipping_region, self.promo_code
        )


@dataclass(frozen=True)
class QuoteLine:
    """A priced line: its unit price is locked for the checkout, whatever the price list does later."""

    sku: str
    quantity: int
    unit_price: Money

    @property
    def line_total(self) -> Money:
        return self.unit_price.times(self.quantity)


class QuoteStatus(StrEnum):
    ACTIVE = "ACTIVE"
    VOIDED = "VOIDED"


@dataclass
class Quote:
    """A checkout's quote. A ``VOIDED`` quote with no ``quote_id`` (and nothing else) is a tombstone:
    the void came before (or instead of) the quote, and a late quote must not follow it."""

    checkout_id: str
    status: QuoteStatus
    quote_id: str | None = None
    customer_id: str | None = None
    shipping_region: str | None = None
    promo_code: str | None = None
    tax_rate_bp: int | None = None
    lines: list[QuoteLine] = field(default_factory=list)
    discount: Money | None = None
    tax: Money | None = None
    quoted_at: datetime | None = None
    voided_at: datetime | None = None

    @property
    def currency(self) -> str | None:
        return self.lines[0].unit_price.currency if self.lines else None

    @property
    def subtotal(self) -> Money | None:
        """The sum of the line totals (``None`` for a tombstone)."""
        if not self.lines:
            return None
        subtotal = Money.zero(self.lines[0].unit_price.currency)
        for line in self.lines:
            subtotal += line.line_total
        return subtotal

    @property
    def total(self) -> Money | None:
        """``subtotal - discount + tax`` (``None`` for a tombstone)."""
        subtotal = self.subtotal
        if subtotal is None or self.discount is None or self.tax is None:
            return None
        return subtotal - self.discount + self.tax

    def request(self) -> QuoteRequest:
        """What was asked for, to compare a repeat with (normalised)."""
        assert self.customer_id is not None
        assert self.shipping_region is not None
        items = tuple(sorted(RequestedItem(line.sku, line.quantity) for line in self.lines))
        return QuoteRequest(self.customer_id, items, self.shipping_region, self.promo_code)

    def check_repeat(self, request: QuoteRequest) -> None:
        """A second quote request for this checkout: fine if it is the same one, else why not."""
        if self.status is QuoteStatus.VOIDED:
            raise QuoteAlreadyVoided(f"checkout {self.checkout_id} had its quote voided already")
        if self.request() != request.normalised():
            raise QuoteConflict(f"checkout {self.checkout_id} already has a quote for something else")


def validate_items(items: Sequence[RequestedItem]) -> None:
    if not items:
        raise ValueError("a quote needs at least one item")
    seen: set[str] = set()
    for item in items:
        if not 0 < item.quantity <= MAX_QUANTITY:
            raise ValueError(f"quantity of {item.sku} must be between 1 and {MAX_QUANTITY}")
        if item.sku in seen:
            raise DuplicateSku(f"{item.sku} appears twice")
        seen.add(item.sku)


def quote(
    checkout_id: str,
    quote_id: str,
    request: QuoteRequest,
    prices: Mapping[str, Money],
    tax_rate_bp: int | None,
    promotion: Promotion | None,
    now: datetime,
) -> Quote:
    """Price ``request`` with today's ``prices``, the region's tax rate and the promotion, if any.

    ``tax_rate_bp`` is ``None`` when the region has no rate; ``promotion`` is ``None`` when the
    request names none or names one that does not exist. Refusals, in this order, before anything
    changes: :class:`UnknownSkus` (listing all of them), :class:`UnsupportedRegion`,
    :class:`MixedCurrency`, :class:`InvalidPromotion`. The one change is a redemption taken of
    ``promotion``.
    """
    validate_items(request.items)
    unknown = sorted(item.sku for item in request.items if item.sku not in prices)
    if unknown:
        raise UnknownSkus(unknown)
    if tax_rate_bp is None:
        raise UnsupportedRegion(request.shipping_region)
    check_rate(tax_rate_bp)
    currencies = sorted({prices[item.sku].currency for item in request.items})
    if len(currencies) > 1:
        raise MixedCurrency(currencies)
    priced = Quote(
        checkout_id=checkout_id,
        status=QuoteStatus.ACTIVE,
        quote_id=quote_id,
        customer_id=request.customer_id,
        shipping_region=request.shipping_region,
        promo_code=request.promo_code,
        tax_rate_bp=tax_rate_bp,
        lines=[QuoteLine(item.sku, item.quantity, prices[item.sku]) for item in sorted(request.items)],
        quoted_at=now,
    )
    subtotal = priced.subtotal
    assert subtotal is not None
    discount = Money.zero(subtotal.currency)
    if request.promo_code is not None:
        if promotion is None:
            raise InvalidPromotion(request.promo_code, PromotionRefusal.UNKNOWN, "no such promotion")
        discount = promotion.redeem(subtotal, now)
    priced.discount = discount
    priced.tax = tax_on(subtotal - discount, tax_rate_bp)
    return priced


def void(quote: Quote, promotion: Promotion | None) -> bool:
    """Void an active quote, giving back the redemption it holds (``promotion`` is the one it names).

    Returns ``False`` when the quote was voided already: nothing to give back twice.
    """
    if quote.status is QuoteStatus.VOIDED:
        return False
    if quote.promo_code is not None:
        if promotion is None or promotion.code != quote.promo_code:
            raise AssertionError(f"quote of {quote.checkout_id} holds a redemption of {quote.promo_code}")
        promotion.give_back()
    quote.status = QuoteStatus.VOIDED
    return True
