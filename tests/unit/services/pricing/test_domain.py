"""Pricing's rules in plain Python: integer rounding, discounts, tax, promotions' redemptions, voids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.common.money import Money
from services.pricing.domain import model
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
from services.pricing.domain.events import PriceChanged, PriceQuoted, PromotionChanged, QuoteVoided
from services.pricing.domain.model import (
    Promotion,
    PromotionTerms,
    Quote,
    QuoteRequest,
    QuoteStatus,
    RequestedItem,
    divide_half_up,
    tax_on,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def eur(amount_minor: int) -> Money:
    return Money(amount_minor, "EUR")


def request(*items: tuple[str, int], region: str = "EU-DE", promo: str | None = None) -> QuoteRequest:
    return QuoteRequest(
        "cust-1", tuple(RequestedItem(sku, quantity) for sku, quantity in items), region, promo
    )


def price(
    quote_request: QuoteRequest,
    prices: dict[str, Money],
    rate_bp: int | None = 1900,
    promotion: Promotion | None = None,
) -> Quote:
    return model.quote("c1", "q1", quote_request, prices, rate_bp, promotion, NOW)


def refusal_of(promotion: Promotion, subtotal: Money, now: datetime = NOW) -> PromotionRefusal | None:
    refused = promotion.refusal(subtotal, now)
    return None if refused is None else refused.reason


def test_divide_half_up_rounds_halves_up_and_everything_else_to_the_nearest() -> None:
    assert [divide_half_up(n, 100) for n in (149, 150, 151, 0)] == [1, 2, 2, 0]
    assert [divide_half_up(n, 3) for n in (1, 2, 4)] == [0, 1, 1]
    with pytest.raises(ValueError, match="non-negative"):
        divide_half_up(-1, 100)


def test_tax_is_basis_points_of_the_amount_rounded_half_up() -> None:
    assert tax_on(eur(5847), 1900) == eur(1111)  # 1110.93
    assert tax_on(eur(50), 100) == eur(1)  # 0.5 rounds up
    assert tax_on(eur(49), 100) == eur(0)  # 0.49 rounds down
    assert tax_on(eur(1000), 0) == eur(0)


def test_exact_integers_even_where_floats_would_drift() -> None:
    amount = 2_000_000_000_000_200  # x 7.25 % = 145 000 000 000 014.5 exactly: a half, which rounds up
    assert tax_on(eur(amount), 725) == eur(145_000_000_000_015)


def test_percent_discount_is_rounded_half_up_to_the_minor_unit() -> None:
    terms = PromotionTerms(percent_off=10)
    assert terms.discount_on(eur(6497)) == eur(650)  # 649.7
    assert terms.discount_on(eur(6494)) == eur(649)  # 649.4
    assert terms.discount_on(eur(5)) == eur(1)  # 0.5
    assert PromotionTerms(percent_off=100).discount_on(eur(999)) == eur(999)


def test_fixed_discount_is_capped_at_the_subtotal() -> None:
    terms = PromotionTerms(amount_off=eur(500))
    assert terms.discount_on(eur(1200)) == eur(500)
    assert terms.discount_on(eur(300)) == eur(300)


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"percent_off": 10, "amount_off": Money(1, "EUR")},
        {"percent_off": 0},
        {"percent_off": 101},
        {"amount_off": Money(0, "EUR")},
        {"amount_off": Money(5, "EUR"), "min_subtotal": Money(5, "USD")},
        {"percent_off": 5, "max_redemptions": -1},
        {"percent_off": 5, "valid_until": datetime(2030, 1, 1)},  # naive on purpose
    ],
)
def test_promotion_terms_refuse_what_makes_no_sense(fields: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"."):
        PromotionTerms(**fields)  # type: ignore[arg-type]


def test_a_quote_locks_each_price_and_adds_up() -> None:
    quoted = price(request(("B", 1), ("A", 3)), {"A": eur(1999), "B": eur(500)})
    assert [(line.sku, line.quantity, line.unit_price) for line in quoted.lines] == [
        ("A", 3, eur(1999)),
        ("B", 1, eur(500)),
    ]
    assert (quoted.subtotal, quoted.discount, quoted.tax) == (eur(6497), eur(0), eur(1234))  # 1234.43
    assert quoted.total == eur(6497 + 1234)
    assert (quoted.status, quoted.quote_id, quoted.tax_rate_bp) == (QuoteStatus.ACTIVE, "q1", 1900)


def test_tax_is_charged_on_the_discounted_subtotal() -> None:
    promotion = Promotion("SAVE10", PromotionTerms(percent_off=10))
    quoted = price(
        request(("A", 3), ("B", 1), promo="SAVE10"), {"A": eur(1999), "B": eur(500)}, 1900, promotion
    )
    assert (quoted.subtotal, quoted.discount, quoted.tax, quoted.total) == (
        eur(6497),
        eur(650),
        eur(1111),
        eur(6958),
    )
    assert promotion.redemptions == 1


def test_refusals_come_in_order_and_change_nothing() -> None:
    promotion = Promotion("P", PromotionTerms(percent_off=10, max_redemptions=1))
    both = {"A": eur(100), "U": Money(100, "USD")}
    with pytest.raises(UnknownSkus) as unknown:
        price(request(("Z", 1), ("A", 1), ("Y", 1), region="XX", promo="P"), both, None, promotion)
    assert unknown.value.skus == ("Y", "Z")
    with pytest.raises(UnsupportedRegion):
        price(request(("A", 1), ("U", 1), region="XX", promo="P"), both, None, promotion)
    with pytest.raises(MixedCurrency) as mixed:
        price(request(("A", 1), ("U", 1), promo="P"), both, 1900, promotion)
    assert mixed.value.currencies == ("EUR", "USD")
    with pytest.raises(InvalidPromotion) as invalid:
        price(request(("A", 1), promo="NOPE"), both, 1900, None)
    assert invalid.value.reason is PromotionRefusal.UNKNOWN
    with pytest.raises(DuplicateSku):
        price(request(("A", 1), ("A", 2)), both)
    assert promotion.redemptions == 0


def test_promotion_refusals_name_their_reason_in_order() -> None:
    later = NOW + timedelta(days=1)
    assert refusal_of(
        Promotion("P", PromotionTerms(percent_off=5, active=False, valid_until=NOW)), eur(1)
    ) == (PromotionRefusal.INACTIVE)
    assert refusal_of(Promotion("P", PromotionTerms(percent_off=5, valid_until=NOW)), eur(1)) == (
        PromotionRefusal.EXPIRED
    )
    assert refusal_of(Promotion("P", PromotionTerms(percent_off=5, valid_until=later)), eur(1)) is None
    exhausted = Promotion("P", PromotionTerms(amount_off=Money(5, "USD"), max_redemptions=1), redemptions=1)
    assert refusal_of(exhausted, eur(1)) == PromotionRefusal.EXHAUSTED
    usd = Promotion("P", PromotionTerms(amount_off=Money(5, "USD"), min_subtotal=Money(10_000, "USD")))
    assert refusal_of(usd, eur(1)) == PromotionRefusal.CURRENCY_MISMATCH
    assert refusal_of(usd, Money(9_999, "USD")) == PromotionRefusal.BELOW_MINIMUM
    assert refusal_of(usd, Money(10_000, "USD")) is None
    assert refusal_of(Promotion("P", PromotionTerms(percent_off=5)), Money(1, "JPY")) is None


def test_redemptions_never_exceed_the_limit_and_come_back_on_void() -> None:
    promotion = Promotion("P", PromotionTerms(percent_off=10, max_redemptions=1))
    first = price(request(("A", 1), promo="P"), {"A": eur(100)}, 0, promotion)
    with pytest.raises(InvalidPromotion) as exhausted:
        price(request(("A", 1), promo="P"), {"A": eur(100)}, 0, promotion)
    assert exhausted.value.reason is PromotionRefusal.EXHAUSTED
    assert model.void(first, promotion) is True
    assert (first.status, promotion.redemptions) == (QuoteStatus.VOIDED, 0)
    assert model.void(first, promotion) is False  # never given back twice
    assert promotion.redemptions == 0


def test_a_quote_without_promotion_voids_without_one() -> None:
    quoted = price(request(("A", 1)), {"A": eur(100)})
    assert model.void(quoted, None) is True
    assert quoted.status is QuoteStatus.VOIDED


def test_redefining_keeps_redemptions_and_refuses_a_limit_below_them() -> None:
    promotion = Promotion("P", PromotionTerms(percent_off=10), redemptions=3)
    assert promotion.redefine(PromotionTerms(percent_off=10)) is False
    assert promotion.redefine(PromotionTerms(percent_off=20, max_redemptions=3)) is True
    with pytest.raises(RedemptionLimitBelowUse) as refused:
        promotion.redefine(PromotionTerms(percent_off=20, max_redemptions=2))
    assert refused.value.redemptions == 3
    assert (promotion.terms.percent_off, promotion.redemptions) == (20, 3)


def test_the_redemption_invariant_is_checked_on_construction() -> None:
    with pytest.raises(AssertionError):
        Promotion("P", PromotionTerms(percent_off=5, max_redemptions=1), redemptions=2)


def test_a_repeat_must_be_the_same_request_and_not_follow_a_void() -> None:
    quoted = price(request(("A", 1), ("B", 2)), {"A": eur(1), "B": eur(2)})
    quoted.check_repeat(request(("B", 2), ("A", 1)))  # order does not matter
    for other in (
        request(("A", 1), ("B", 3)),
        request(("A", 1), ("B", 2), region="UK"),
        request(("A", 1), ("B", 2), promo="P"),
        QuoteRequest("cust-2", (RequestedItem("A", 1), RequestedItem("B", 2)), "EU-DE"),
    ):
        with pytest.raises(QuoteConflict):
            quoted.check_repeat(other)
    with pytest.raises(QuoteAlreadyVoided):
        Quote("c2", QuoteStatus.VOIDED).check_repeat(request(("A", 1)))


def test_events_carry_versioned_payloads_with_money_documents() -> None:
    quoted = price(request(("A", 2)), {"A": eur(250)}, 2000)
    event = PriceQuoted(quoted)
    assert (event.event_type, event.schema_version, event.checkout_id) == ("PriceQuoted", 1, "c1")
    payload = event.payload()
    assert payload["lines"] == [
        {
            "sku": "A",
            "quantity": 2,
            "unit_price": {"amount_minor": 250, "currency": "EUR"},
            "line_total": {"amount_minor": 500, "currency": "EUR"},
        }
    ]
    assert (payload["subtotal"], payload["tax"], payload["total"]) == (
        {"amount_minor": 500, "currency": "EUR"},
        {"amount_minor": 100, "currency": "EUR"},
        {"amount_minor": 600, "currency": "EUR"},
    )
    changed = PriceChanged("A", eur(300), None)
    assert changed.checkout_id is None
    assert changed.payload()["previous_unit_price"] is None
    promotion = PromotionChanged.of(Promotion("P", PromotionTerms(amount_off=eur(5))), created=True)
    assert promotion.payload()["amount_off"] == {"amount_minor": 5, "currency": "EUR"}
    assert QuoteVoided("c1", "q1", "P").payload() == {
        "checkout_id": "c1",
        "quote_id": "q1",
        "promo_code": "P",
    }


operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("quote"), st.integers(0, 5), st.dictionaries(st.sampled_from("AB"), st.integers(1, 5))
        ),
        st.tuples(st.just("void"), st.integers(0, 5), st.none()),
    ),
    max_size=40,
)


@given(
    operations,
    st.integers(0, 3),
    st.one_of(st.integers(1, 100).map(lambda p: PromotionTerms(percent_off=p)), st.just(None)),
    st.integers(0, 10_000),
)
def test_any_sequence_keeps_redemptions_equal_to_active_quotes_and_totals_exact(
    ops: list[tuple[str, int, dict[str, int] | None]],
    limit: int,
    percent: PromotionTerms | None,
    rate_bp: int,
) -> None:
    terms = percent or PromotionTerms(amount_off=eur(700), max_redemptions=limit)
    promotion = Promotion("P", PromotionTerms(terms.percent_off, terms.amount_off, max_redemptions=limit))
    prices = {"A": eur(1999), "B": eur(333)}
    quotes: dict[int, Quote] = {}
    for kind, number, items in ops:
        if kind == "quote" and number not in quotes and items:
            wanted = request(*items.items(), promo="P")
            if promotion.redemptions >= limit:
                with pytest.raises(InvalidPromotion, match="redemptions are taken"):
                    price(wanted, prices, rate_bp, promotion)
            else:
                quotes[number] = price(wanted, prices, rate_bp, promotion)
        elif kind == "void" and number in quotes:
            model.void(quotes[number], promotion)
        active = [q for q in quotes.values() if q.status is QuoteStatus.ACTIVE]
        assert promotion.redemptions == len(active) <= limit
        for quoted in quotes.values():
            assert quoted.subtotal is not None
            assert quoted.discount is not None
            assert quoted.tax is not None
            assert quoted.total == quoted.subtotal - quoted.discount + quoted.tax
            assert Money.zero("EUR") <= quoted.discount <= quoted.subtotal
