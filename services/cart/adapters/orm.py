"""SQLAlchemy 2.0 models of the cart's tables (the kit's tables live in ``services.common.tables``).

``reserved_quantity`` never going negative and quantities staying within the per-order bounds are CHECK
constraints too: should a bug ever try, the database refuses the write and the transaction rolls back.
Prices are integer minor units (64-bit where the database tells sizes apart) with their currency.
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
NAME_LENGTH = 200


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ProductRow(Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("list_price_minor >= 0", name="list_price_not_negative"),
        CheckConstraint("max_per_order BETWEEN 1 AND 1000", name="max_per_order_in_range"),
        CheckConstraint("reserved_quantity >= 0", name="reserved_quantity_not_negative"),
    )

    sku: Mapped[str] = mapped_column(String(SKU_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    list_price_minor: Mapped[int] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String(3))
    max_per_order: Mapped[int] = mapped_column(Integer)
    sellable: Mapped[bool] = mapped_column(Boolean)
    reserved_quantity: Mapped[int] = mapped_column(Amount)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ReservationRow(Base):
    __tablename__ = "reservations"
    __table_args__ = (
        CheckConstraint("status IN ('RESERVED', 'CHECKED_OUT', 'RELEASED')", name="status_known"),
    )

    checkout_id: Mapped[str] = mapped_column(String(CHECKOUT_ID_LENGTH), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    # NULL only for a tombstone (released before anything was reserved).
    customer_id: Mapped[str | None] = mapped_column(String(CUSTOMER_ID_LENGTH), nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    reserved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    checked_out_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    lines: Mapped[list[ReservationLineRow]] = relationship(
        back_populates="reservation", order_by="ReservationLineRow.sku", cascade="all, delete-orphan"
    )


class ReservationLineRow(Base):
    __tablename__ = "reservation_lines"
    __table_args__ = (
        CheckConstraint("quantity BETWEEN 1 AND 1000", name="quantity_in_range"),
        CheckConstraint("unit_price_minor >= 0", name="unit_price_not_negative"),
    )

    checkout_id: Mapped[str] = mapped_column(ForeignKey("reservations.checkout_id"), primary_key=True)
    sku: Mapped[str] = mapped_column(ForeignKey("products.sku"), primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_minor: Mapped[int] = mapped_column(Amount)
    reservation: Mapped[ReservationRow] = relationship(back_populates="lines")


metadata = Base.metadata
