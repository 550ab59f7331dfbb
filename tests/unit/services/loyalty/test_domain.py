"""The loyalty rules in plain Python: points per whole unit, one award per checkout, revoke once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.common.money import Money
from services.loyalty.domain import model
from services.loyalty.domain.errors import AwardAlreadyRevoked, AwardConflict
from services.loyalty.domain.events import PointsAwarded, PointsRevoked
from services.loyalty.domain.model import Account, Award, AwardStatus, PointsRule, Purchase, Tombstone

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def purchase(customer: str = "cust-1", amount_minor: int = 1999, currency: str = "EUR") -> Purchase:
    return Purchase(customer, f"ord-{customer}", Money(amount_minor, currency))


def granted(checkout: str = "c1", bought: Purchase | None = None, per_unit: int = 1) -> Award:
    return Award.grant(checkout, bought or purchase(), PointsRule(per_unit), NOW)


@pytest.mark.parametrize(
    ("amount", "points"),
    [
        (Money(1999, "EUR"), 19),
        (Money(99, "EUR"), 0),
        (Money(1999, "JPY"), 1999),
        (Money(12_345, "KWD"), 12),
        (Money(0, "USD"), 0),
    ],
)
def test_points_count_whole_currency_units_by_the_currencys_exponent(amount: Money, points: int) -> None:
    assert PointsRule().points_for(amount) == points


def test_points_per_unit_multiplies_whole_units_only() -> None:
    assert PointsRule(10).points_for(Money(1999, "EUR")) == 190


def test_a_points_rule_needs_a_positive_int() -> None:
    for per_unit in (0, -1, True, 1.5):
        with pytest.raises(ValueError, match="positive int"):
            PointsRule(per_unit)  # type: ignore[arg-type]


def test_a_grant_is_awarded_with_the_rules_points_and_its_own_id() -> None:
    first, second = granted("c1", per_unit=2), granted("c2")
    assert (first.status, first.points, first.awarded_at, first.revoked_at) == (
        AwardStatus.AWARDED,
        38,
        NOW,
        None,
    )
    assert first.award_id != second.award_id


def test_credit_adds_the_points_to_every_total_of_the_account() -> None:
    account = Account("cust-1", balance=5, awarded=7, revoked=2)
    model.credit(account, granted())
    assert (account.balance, account.awarded, account.revoked) == (24, 26, 2)


def test_credit_refuses_another_customers_account() -> None:
    with pytest.raises(AssertionError, match="not for customer"):
        model.credit(Account("someone-else"), granted())


def test_revoke_takes_back_exactly_the_awarded_points_once() -> None:
    award, account = granted(), Account("cust-1")
    model.credit(account, award)
    assert model.revoke(award, account, NOW) == 19
    assert (award.status, award.revoked_at) == (AwardStatus.REVOKED, NOW)
    assert model.revoke(award, account, NOW) == 0
    assert (account.balance, account.awarded, account.revoked) == (0, 19, 19)


def test_a_repeat_of_the_same_purchase_returns_the_existing_award() -> None:
    award = granted()
    assert model.check_repeat(award, purchase()) is award


@pytest.mark.parametrize(
    "other", [purchase(customer="cust-2"), purchase(amount_minor=2000), purchase(currency="USD")]
)
def test_a_repeat_for_another_purchase_conflicts(other: Purchase) -> None:
    with pytest.raises(AwardConflict):
        model.check_repeat(granted(), other)


def test_no_award_follows_a_revoke_even_for_another_purchase() -> None:
    award, account = granted(), Account("cust-1")
    model.credit(account, award)
    model.revoke(award, account, NOW)
    for repeat in (purchase(), purchase(customer="cust-2")):
        with pytest.raises(AwardAlreadyRevoked):
            model.check_repeat(award, repeat)


def test_no_award_follows_a_tombstone() -> None:
    with pytest.raises(AwardAlreadyRevoked, match="before any award"):
        model.check_repeat(Tombstone("c1", NOW), purchase())


def test_the_account_invariant_is_checked_on_construction() -> None:
    with pytest.raises(AssertionError):
        Account("cust-1", balance=1, awarded=1, revoked=1)
    with pytest.raises(AssertionError):
        Account("cust-1", balance=-1, awarded=0, revoked=1)


def test_events_carry_versioned_payloads() -> None:
    award = granted()
    awarded, revoked = PointsAwarded(award), PointsRevoked(award)
    assert (awarded.event_type, awarded.schema_version, awarded.checkout_id) == ("PointsAwarded", 1, "c1")
    assert (revoked.event_type, revoked.schema_version, revoked.checkout_id) == ("PointsRevoked", 1, "c1")
    common = {
        "award_id": award.award_id,
        "checkout_id": "c1",
        "customer_id": "cust-1",
        "order_id": "ord-cust-1",
        "points": 19,
    }
    assert awarded.payload() == {**common, "amount": {"amount_minor": 1999, "currency": "EUR"}}
    assert revoked.payload() == common


operations = st.lists(
    st.one_of(
        st.tuples(st.just("award"), st.integers(0, 5), st.sampled_from(["a", "b"]), st.integers(0, 5000)),
        st.tuples(st.just("revoke"), st.integers(0, 5), st.none(), st.none()),
    ),
    max_size=40,
)


@given(operations)
def test_any_sequence_of_awards_and_revokes_keeps_every_account_balanced(
    ops: list[tuple[str, int, str | None, int | None]],
) -> None:
    accounts = {name: Account(name) for name in "ab"}
    awards: dict[int, Award] = {}
    revoked_once: set[int] = set()
    for kind, checkout, customer, amount in ops:
        if kind == "award" and customer is not None and amount is not None:
            if checkout not in awards:
                awards[checkout] = granted(f"c{checkout}", purchase(customer, amount))
                model.credit(accounts[customer], awards[checkout])
        elif checkout in awards:
            award = awards[checkout]
            points = model.revoke(award, accounts[award.purchase.customer_id], NOW)
            assert points == (0 if checkout in revoked_once else award.points)
            revoked_once.add(checkout)
        for name, account in accounts.items():
            live = sum(
                a.points
                for a in awards.values()
                if a.purchase.customer_id == name and a.status is AwardStatus.AWARDED
            )
            assert account.balance == account.awarded - account.revoked == live
