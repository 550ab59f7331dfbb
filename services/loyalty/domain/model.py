"""Awards, accounts, and the two rules that move points between them.

An :class:`Award` is what one checkout earned; a :class:`Tombstone` is a revoke that found no award
(it came first, or instead of it) and stays so that a late award is refused. An :class:`Account` keeps
a customer's running totals: :func:`credit` adds an award's points, :func:`revoke` takes them back
exactly once. Both keep ``balance == awarded - revoked`` and ``balance >= 0``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from services.common.money import Money
from services.loyalty.domain.errors import AwardAlreadyRevoked, AwardConflict


@dataclass(frozen=True)
class PointsRule:
    """Points for a whole currency unit spent; the minor units below a whole unit earn nothing.

    Whole units come from the currency's exponent, so EUR 19.99 and JPY 19 both count 19 units and
    KWD 1.999 counts 1.
    """

    per_unit: int = 1

    def __post_init__(self) -> None:
        if type(self.per_unit) is not int or self.per_unit < 1:
            raise ValueError("points per unit must be a positive int")

    def points_for(self, amount: Money) -> int:
        if amount.is_negative():
            raise ValueError("a purchase amount cannot be negative")
        minor_per_unit: int = 10**amount.exponent
        return amount.amount_minor // minor_per_unit * self.per_unit


@dataclass(frozen=True)
class Purchase:
    """What an award is for: a customer's order, placed by a checkout, and what it cost."""

    customer_id: str
    order_id: str
    amount: Money


class AwardStatus(StrEnum):
    AWARDED = "AWARDED"
    REVOKED = "REVOKED"


@dataclass
class Award:
    """The points one checkout earned, and whether they were taken back."""

    award_id: str
    checkout_id: str
    purchase: Purchase
    points: int
    awarded_at: datetime
    status: AwardStatus = AwardStatus.AWARDED
    revoked_at: datetime | None = None

    @classmethod
    def grant(cls, checkout_id: str, purchase: Purchase, rule: PointsRule, now: datetime) -> Award:
        """A new award for ``purchase``, its points computed by ``rule``."""
        return cls(str(uuid.uuid4()), checkout_id, purchase, rule.points_for(purchase.amount), now)


@dataclass(frozen=True)
class Tombstone:
    """A revoke that found no award for the checkout; no award may follow it."""

    checkout_id: str
    revoked_at: datetime


@dataclass
class Account:
    """A customer's points: what was ever awarded, what was revoked, and the difference."""

    customer_id: str
    balance: int = 0
    awarded: int = 0
    revoked: int = 0

    def __post_init__(self) -> None:
        self.check_invariant()

    def check_invariant(self) -> None:
        if min(self.balance, self.awarded, self.revoked) < 0 or self.balance != self.awarded - self.revoked:
            raise AssertionError(f"account invariant broken for {self}")


def check_repeat(existing: Award | Tombstone, purchase: Purchase) -> Award:
    """A second award request for a checkout already seen: its award if it is the same one, else why not.

    After a tombstone every award is late (the order was cancelled before it was awarded), and after a
    revoke the points stay revoked, whatever the purchase.
    """
    if isinstance(existing, Tombstone):
        raise AwardAlreadyRevoked(f"checkout {existing.checkout_id} was revoked before any award")
    if existing.status is AwardStatus.REVOKED:
        raise AwardAlreadyRevoked(f"checkout {existing.checkout_id} had its points revoked")
    if purchase != existing.purchase:
        raise AwardConflict(f"checkout {existing.checkout_id} was awarded for another purchase")
    return existing


def credit(account: Account, award: Award) -> None:
    """Add a fresh award's points to its customer's account."""
    if account.customer_id != award.purchase.customer_id:
        raise AssertionError(f"award {award.award_id} is not for customer {account.customer_id}")
    if award.status is not AwardStatus.AWARDED:
        raise AssertionError(f"award {award.award_id} was revoked; it cannot be credited")
    account.awarded += award.points
    account.balance += award.points
    account.check_invariant()


def revoke(award: Award, account: Account, now: datetime) -> int:
    """Take an award's points back from its customer; returns the points revoked (0 if it was)."""
    if account.customer_id != award.purchase.customer_id:
        raise AssertionError(f"award {award.award_id} is not for customer {account.customer_id}")
    if award.status is AwardStatus.REVOKED:
        return 0
    account.revoked += award.points
    account.balance -= award.points
    account.check_invariant()
    award.status = AwardStatus.REVOKED
    award.revoked_at = now
    return award.points
