"""SQLAlchemy 2.0 models of pricing's tables (the kit's tables live in ``services.common.tables``).

The invariants are CHECK constraints too, so a bug that tried to break one would have its write
refused and its transaction rolled back: a promotion's ``redemptions`` stays within
``0..max_redemptions``, a quote's ``total = subtotal - discount + tax`` with the discount within the
subtotal. Amounts are integer minor units, 64-bit where the database tells sizes apart.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from services.common.sqltypes import UtcDateTime
from services.common.tables import NAMING_CONVENTION

# SQLite's INTEGER is 64-bit already, so it keeps the plain type.
Amount = BigInteger().with_variant(Integer(), "sqlite")

SKU_LENGTH = 100
CHECKOUT_ID_LENGTH = 100
CUSTOMER_ID_LENGTH = 100
PROMO_CODE_LENGTH = 40
REGION_LENGTH = 20
QUOTE_ID_LENGTH = 36


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class PriceRow(Base):
    __tablename__ = "prices"
    __table_args__ = (CheckConstraint("unit_price_minor >= 0", name="unit_price_not_negative"),)

    sku: Mapped[str] = mapped_column(String(SKU_LENGTH), primary_key=True)
    unit_price_minor: Mapped[int] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String(3))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TaxRateRow(Base):
    __tablename__ = "tax_rates"
    __table_args__ = (CheckConstraint("rate_bp BETWEEN 0 AND 10000", name="rate_bp_in_range"),)

    region: Mapped[str] = mapped_column(String(REGION_LENGTH), primary_key=True)
    rate_bp: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PromotionRow(Base):
    __tablename__ = "promotions"
    __table_args__ = (
        CheckConstraint(
            "(percent_off IS NULL AND amount_off_minor IS NOT NULL)"
            " OR (percent_off IS NOT NULL AND amount_off_minor IS NULL)",
            name="one_kind_of_discount",
        ),
        CheckConstraint("percent_off IS NULL OR percent_off BETWEEN 1 AND 100", name="percent_off_in_range"),
        CheckConstraint("amount_off_minor IS NULL OR amount_off_minor > 0", name="amount_off_positive"),
        CheckConstraint(
            "min_subtotal_minor IS NULL OR min_subtotal_minor >= 0", name="min_subtotal_not_negative"
        ),
        CheckConstraint("redemptions >= 0", name="redemptions_not_negative"),
        CheckConstraint(
            "max_redemptions IS NULL OR redemptions <= max_redemptions", name="redemptions_within_limit"
        ),
    )

    code: Mapped[str] = mapped_column(String(PROMO_CODE_LENGTH), primary_key=True)
    percent_off: Mapped[int | None] = mapped_column(Integer, nullable=True)
    amount_off_minor: Mapped[int | None] = mapped_column(Amount, nullable=True)
    min_subtotal_minor: Mapped[int | None] = mapped_column(Amount, nullable=True)
    # The currency of amount_off and min_subtotal; NULL when the promotion has neither.
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    max_redemptions: Mapped[int | None] = mapped_column(Integer, nullable=True)
    valid_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean)
    redemptions: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class QuoteRow(Base):
    __tablename__ = "quotes"
    __table_args__ = (
        CheckConstraint("status IN ('ACTIVE', 'VOIDED')", name="status_known"),
        CheckConstraint("discount_minor >= 0 AND discount_minor <= subtotal_minor", name="discount_in_range"),
        CheckConstraint("tax_minor >= 0", name="tax_not_negative"),
        CheckConstraint("total_minor = subtotal_minor - discount_minor + tax_minor", name="total_adds_up"),
    )

    checkout_id: Mapped[str] = mapped_column(String(CHECKOUT_ID_LENGTH), primary_key=True)
    status: Mapped[str] = mapped_column(String(10))
    # The columns below are NULL only for a tombstone (voided before anything was quoted).
    quote_id: Mapped[str | None] = mapped_column(String(QUOTE_ID_LENGTH), unique=True, nullable=True)
    customer_id: Mapped[str | None] = mapped_column(String(CUSTOMER_ID_LENGTH), nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    shipping_region: Mapped[str | None] = mapped_column(String(REGION_LENGTH), nullable=True)
    tax_rate_bp: Mapped[int | None] = mapped_column(Integer, nullable=True)
    promo_code: Mapped[str | None] = mapped_column(ForeignKey("promotions.code"), nullable=True)
    subtotal_minor: Mapped[int | None] = mapped_column(Amount, nullable=True)
    discount_minor: Mapped[int | None] = mapped_column(Amount, nullable=True)
    tax_minor: Mapped[int | None] = mapped_column(Amount, nullable=True)
    total_minor: Mapped[int | None] = mapped_column(Amount, nullable=True)
    quoted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    voided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    lines: Mapped[list[QuoteLineRow]] = relationship(
        back_populates="quote", order_by="QuoteLineRow.sku", cascade="all, delete-orphan"
    )


class QuoteLineRow(Base):
    """A line of a quote with its unit price locked for the checkout (the per-checkout price override)."""

    __tablename__ = "quote_lines"
    __table_args__ = (
        CheckConstraint("quantity BETWEEN 1 AND 1000", name="quantity_in_range"),
        CheckConstraint("unit_price_minor >= 0", name="unit_price_not_negative"),
    )

    checkout_id: Mapped[str] = mapped_column(ForeignKey("quotes.checkout_id"), primary_key=True)
    sku: Mapped[str] = mapped_column(ForeignKey("prices.sku"), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_minor: Mapped[int] = mapped_column(Amount)
    quote: Mapped[QuoteRow] = relationship(back_populates="lines")


metadata = Base.metadata
