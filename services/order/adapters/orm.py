"""SQLAlchemy 2.0 models of the order tables (the kit's tables live in ``services.common.tables``).

One ``orders`` row per checkout, its primary key the "at most once" guard. A tombstone (a cancellation
that found no order) is a ``CANCELLED`` row with no order columns; CHECK constraints allow exactly the
two shapes, so a half-written order cannot exist. Every amount of an order is in its one
``currency`` (the use case refuses mixed currencies), and each line's total is its unit price times its
quantity, also a CHECK: should a bug ever store an order that does not add up, the database refuses it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from services.common.sqltypes import UtcDateTime
from services.common.tables import NAMING_CONVENTION

# Amounts in minor units: 64-bit where the database distinguishes (SQLite's INTEGER is 64-bit already).
Amount = BigInteger().with_variant(Integer(), "sqlite")

ID_LENGTH = 100
ORDER_ID_LENGTH = 40
LOCATION_LENGTH = 100
REASON_LENGTH = 500

_ORDER_COLUMNS = (
    "order_id",
    "customer_id",
    "currency",
    "total_minor",
    "discount_minor",
    "tax_minor",
    "quote_id",
    "payment_id",
    "created_at",
)


def _all(predicate: str) -> str:
    return " AND ".join(f"{column} {predicate}" for column in _ORDER_COLUMNS)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class OrderRow(Base):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("status IN ('CONFIRMED', 'CANCELLED')", name="status_known"),
        CheckConstraint(f"({_all('IS NOT NULL')}) OR ({_all('IS NULL')})", name="order_or_tombstone"),
        CheckConstraint("order_id IS NOT NULL OR status = 'CANCELLED'", name="tombstone_cancelled"),
        CheckConstraint(
            "(status = 'CONFIRMED' AND cancelled_at IS NULL) OR (status = 'CANCELLED' AND cancelled_at IS NOT NULL)",
            name="cancelled_at_when_cancelled",
        ),
        CheckConstraint(
            "total_minor >= 0 AND discount_minor >= 0 AND tax_minor >= 0", name="amounts_not_negative"
        ),
        # A customer's orders, newest first, one keyset page at a time.
        Index("ix_orders_customer_id_created_at_order_id", "customer_id", "created_at", "order_id"),
    )

    checkout_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    order_id: Mapped[str | None] = mapped_column(String(ORDER_ID_LENGTH), unique=True)
    customer_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    currency: Mapped[str | None] = mapped_column(String(3))
    total_minor: Mapped[int | None] = mapped_column(Amount)
    discount_minor: Mapped[int | None] = mapped_column(Amount)
    tax_minor: Mapped[int | None] = mapped_column(Amount)
    quote_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    payment_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lines: Mapped[list[OrderLineRow]] = relationship(
        back_populates="order", order_by="OrderLineRow.position", cascade="all, delete-orphan"
    )
    allocation: Mapped[list[OrderAllocationRow]] = relationship(
        back_populates="order", order_by="OrderAllocationRow.position", cascade="all, delete-orphan"
    )


class OrderLineRow(Base):
    __tablename__ = "order_lines"
    __table_args__ = (
        UniqueConstraint("checkout_id", "sku"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price_minor >= 0", name="unit_price_not_negative"),
        CheckConstraint("line_total_minor = unit_price_minor * quantity", name="line_total_adds_up"),
    )

    checkout_id: Mapped[str] = mapped_column(ForeignKey("orders.checkout_id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sku: Mapped[str] = mapped_column(String(ID_LENGTH))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_minor: Mapped[int] = mapped_column(Amount)
    line_total_minor: Mapped[int] = mapped_column(Amount)
    order: Mapped[OrderRow] = relationship(back_populates="lines")


class OrderAllocationRow(Base):
    """Where inventory holds an order's items (a SKU may come from more than one location)."""

    __tablename__ = "order_allocations"
    __table_args__ = (
        UniqueConstraint("checkout_id", "sku", "location"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    checkout_id: Mapped[str] = mapped_column(ForeignKey("orders.checkout_id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sku: Mapped[str] = mapped_column(String(ID_LENGTH))
    quantity: Mapped[int] = mapped_column(Integer)
    location: Mapped[str] = mapped_column(String(LOCATION_LENGTH))
    order: Mapped[OrderRow] = relationship(back_populates="allocation")


class BlockedCustomerRow(Base):
    __tablename__ = "blocked_customers"

    customer_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    reason: Mapped[str] = mapped_column(String(REASON_LENGTH))
    blocked_at: Mapped[datetime] = mapped_column(UtcDateTime)


metadata = Base.metadata
