"""Repositories: load domain objects (locking what will change) and write them back.

Lock order is the same in every use case, so none waits on another in a cycle: the checkout's
``awards`` row first (its primary key also makes a concurrent twin wait, then rerun), then the
customer's ``accounts`` row, ``SELECT ... FOR UPDATE`` at READ COMMITTED. (On SQLite the write
transaction already holds the database lock from ``BEGIN IMMEDIATE``; ``FOR UPDATE`` is not emitted.)
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.common.money import Money
from services.common.sqltypes import utc_now
from services.loyalty.adapters.orm import AccountRow, AwardRow
from services.loyalty.domain.model import Account, Award, AwardStatus, Purchase, Tombstone

T = TypeVar("T")


def _column(value: T | None) -> T:
    """An award column, never NULL on an award's row (the CHECK constraints say so)."""
    if value is None:
        raise AssertionError("an award row has a NULL award column")
    return value


def _found(row: AwardRow) -> Award | Tombstone:
    if row.award_id is None:
        return Tombstone(row.checkout_id, _column(row.revoked_at))
    amount = Money(_column(row.amount_minor), _column(row.currency))
    return Award(
        award_id=row.award_id,
        checkout_id=row.checkout_id,
        purchase=Purchase(_column(row.customer_id), _column(row.order_id), amount),
        points=_column(row.points),
        awarded_at=_column(row.awarded_at),
        status=AwardStatus(row.status),
        revoked_at=row.revoked_at,
    )


class AwardRepository:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._rows: dict[str, AwardRow] = {}

    def get(self, checkout_id: str, *, lock: bool = False) -> Award | Tombstone | None:
        query = select(AwardRow).where(AwardRow.checkout_id == checkout_id)
        if lock:
            query = query.with_for_update()
        row = self._session.scalars(query).first()
        if row is None:
            return None
        self._rows[checkout_id] = row
        return _found(row)

    def add(self, found: Award | Tombstone) -> None:
        """Insert the checkout's row: the primary key makes it the checkout's "at most once" guard.

        A concurrent request for the same checkout blocks here and, once this transaction commits,
        fails with a unique violation and reruns to find the row.
        """
        if isinstance(found, Tombstone):
            row = AwardRow(
                checkout_id=found.checkout_id, status=AwardStatus.REVOKED.value, revoked_at=found.revoked_at
            )
        else:
            purchase = found.purchase
            row = AwardRow(
                checkout_id=found.checkout_id,
                status=found.status.value,
                award_id=found.award_id,
                customer_id=purchase.customer_id,
                order_id=purchase.order_id,
                amount_minor=purchase.amount.amount_minor,
                currency=purchase.amount.currency,
                points=found.points,
                awarded_at=found.awarded_at,
                revoked_at=found.revoked_at,
            )
        self._session.add(row)
        self._session.flush()
        self._rows[found.checkout_id] = row

    def save(self, award: Award) -> None:
        """Write back the status of an award obtained from :meth:`get` or :meth:`add` here."""
        row = self._rows[award.checkout_id]
        row.status = award.status.value
        row.revoked_at = award.revoked_at
        self._session.flush()


def _account(row: AccountRow) -> Account:
    return Account(row.customer_id, balance=row.balance, awarded=row.awarded, revoked=row.revoked)


class AccountRepository:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._rows: dict[str, AccountRow] = {}

    def get(self, customer_id: str) -> Account | None:
        row = self._session.get(AccountRow, customer_id)
        return None if row is None else _account(row)

    def lock(self, customer_id: str) -> Account:
        """The customer's account, row-locked until the transaction ends; a new empty one if none."""
        query = select(AccountRow).where(AccountRow.customer_id == customer_id).with_for_update()
        row = self._session.scalars(query).first()
        if row is None:
            return Account(customer_id)
        self._rows[customer_id] = row
        return _account(row)

    def save(self, account: Account) -> None:
        """Write back an account from :meth:`lock`, inserting it when it is new.

        Two transactions opening the same customer's first account both insert; the second fails with
        a unique violation here and reruns, then finds (and locks) the first one's row.
        """
        row = self._rows.get(account.customer_id)
        if row is None:
            row = AccountRow(customer_id=account.customer_id)
            self._session.add(row)
            self._rows[account.customer_id] = row
        row.balance = account.balance
        row.awarded = account.awarded
        row.revoked = account.revoked
        row.updated_at = utc_now()
        self._session.flush()
