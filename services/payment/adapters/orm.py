"""SQLAlchemy 2.0 model of the payments table (the kit's tables live in ``services.common.tables``).

The checkout id is the primary key: it is what makes a payment "once per checkout", whatever the
idempotency key. CHECK constraints repeat the rules that keep money exact, so a bug cannot write a
refund without a capture, or anything but a token where the token goes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.common.sqltypes import UtcDateTime
from services.common.tables import NAMING_CONVENTION

CHECKOUT_ID_LENGTH = 100
PROVIDER_ID_LENGTH = 40

CHECKS = {
    "status_known": "status IN ('PENDING', 'CAPTURED', 'DECLINED', 'VOIDING', 'REFUNDED', 'VOIDED')",
    "amount_positive": "amount_minor IS NULL OR amount_minor > 0",
    "token_only": "payment_token IS NULL OR substr(payment_token, 1, 4) = 'tok_'",
    "charge_unless_tombstone": "status = 'VOIDED' OR amount_minor IS NOT NULL",
    "captured_has_capture": "status <> 'CAPTURED' OR provider_capture_id IS NOT NULL",
    "refunded_has_both": (
        "status <> 'REFUNDED' OR (provider_capture_id IS NOT NULL AND provider_refund_id IS NOT NULL)"
    ),
}
"""Named CHECK constraints (the migration spells out the same ones with the ``ck_payments_`` prefix)."""


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class PaymentRow(Base):
    __tablename__ = "payments"
    __table_args__ = tuple(CheckConstraint(sql, name=name) for name, sql in CHECKS.items())

    checkout_id: Mapped[str] = mapped_column(String(CHECKOUT_ID_LENGTH), primary_key=True)
    payment_id: Mapped[str] = mapped_column(String(PROVIDER_ID_LENGTH), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    # The charge; NULL only for a tombstone (compensated before any capture came).
    customer_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    amount_minor: Mapped[int | None] = mapped_column(Integer, nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    payment_token: Mapped[str | None] = mapped_column(String(100), nullable=True)
    provider_capture_id: Mapped[str | None] = mapped_column(String(PROVIDER_ID_LENGTH), nullable=True)
    decline_code: Mapped[str | None] = mapped_column(String(50), nullable=True)
    provider_refund_id: Mapped[str | None] = mapped_column(String(PROVIDER_ID_LENGTH), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    captured_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    declined_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    voided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    refunded_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


metadata = Base.metadata
