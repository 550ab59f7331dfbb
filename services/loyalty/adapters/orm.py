"""SQLAlchemy 2.0 models of the loyalty tables (the kit's tables live in ``services.common.tables``).

One ``awards`` row per checkout, its primary key the "at most once" guard. A tombstone (a revoke that
found no award) is a ``REVOKED`` row with no award columns; the CHECK constraints allow exactly the
two shapes. The account invariant is a CHECK constraint too: should a bug ever revoke more than was
awarded, the database refuses the write and the transaction rolls back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.sqltypes import UtcDateTime
from services.common.tables import NAMING_CONVENTION

# Points accumulate per customer: 64-bit where the database distinguishes (SQLite's INTEGER is 64-bit).
Counter = BigInteger().with_variant(Integer(), "sqlite")

ID_LENGTH = 100
AWARD_ID_LENGTH = 36

_AWARD_COLUMNS = ("award_id", "customer_id", "order_id", "amount_minor", "currency", "points", "awarded_at")


def _all(predicate: str) -> str:
    return " AND ".join(f"{column} {predicate}" for column in _AWARD_COLUMNS)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class AwardRow(Base):
    __tablename__ = "awards"
    __table_args__ = (
        CheckConstraint("status IN ('AWARDED', 'REVOKED')", name="status_known"),
        CheckConstraint(f"({_all('IS NOT NULL')}) OR ({_all('IS NULL')})", name="award_or_tombstone"),
        CheckConstraint("award_id IS NOT NULL OR status = 'REVOKED'", name="tombstone_revoked"),
        CheckConstraint(
            "(status = 'AWARDED' AND revoked_at IS NULL) OR (status = 'REVOKED' AND revoked_at IS NOT NULL)",
            name="revoked_at_when_revoked",
        ),
        CheckConstraint("amount_minor >= 0", name="amount_not_negative"),
        CheckConstraint("points >= 0", name="points_not_negative"),
    )

    checkout_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    award_id: Mapped[str | None] = mapped_column(String(AWARD_ID_LENGTH), unique=True)
    customer_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    order_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    amount_minor: Mapped[int | None] = mapped_column(Counter)
    currency: Mapped[str | None] = mapped_column(String(3))
    points: Mapped[int | None] = mapped_column(Counter)
    awarded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AccountRow(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint("balance >= 0", name="balance_not_negative"),
        CheckConstraint("awarded >= 0", name="awarded_not_negative"),
        CheckConstraint("revoked >= 0", name="revoked_not_negative"),
        CheckConstraint("balance = awarded - revoked", name="balanced"),
    )

    customer_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    balance: Mapped[int] = mapped_column(Counter)
    awarded: Mapped[int] = mapped_column(Counter)
    revoked: Mapped[int] = mapped_column(Counter)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


metadata = Base.metadata
