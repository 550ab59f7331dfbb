"""SQLAlchemy 2.0 models of the inventory's tables (the kit's tables live in ``services.common.tables``).

The stock invariant is also a CHECK constraint: should a bug ever try to oversell, the database
refuses the write and the transaction rolls back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from services.common.sqltypes import UtcDateTime
from services.common.tables import NAMING_CONVENTION

# Stock counters grow with every receipt: 64-bit where the database distinguishes (SQLite's INTEGER is
# 64-bit already, so it keeps the plain type and its migrations stay simple).
Counter = BigInteger().with_variant(Integer(), "sqlite")

SKU_LENGTH = 100
CHECKOUT_ID_LENGTH = 100


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class StockRow(Base):
    __tablename__ = "stock"
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("allocated >= 0", name="allocated_not_negative"),
        CheckConstraint("on_hand + allocated = received", name="balanced"),
    )

    sku: Mapped[str] = mapped_column(String(SKU_LENGTH), primary_key=True)
    location: Mapped[str] = mapped_column(String(100))
    on_hand: Mapped[int] = mapped_column(Counter)
    allocated: Mapped[int] = mapped_column(Counter)
    received: Mapped[int] = mapped_column(Counter)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AllocationRow(Base):
    __tablename__ = "allocations"

    checkout_id: Mapped[str] = mapped_column(String(CHECKOUT_ID_LENGTH), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    lines: Mapped[list[AllocationLineRow]] = relationship(
        back_populates="allocation", order_by="AllocationLineRow.sku", cascade="all, delete-orphan"
    )


class AllocationLineRow(Base):
    __tablename__ = "allocation_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    checkout_id: Mapped[str] = mapped_column(ForeignKey("allocations.checkout_id"), primary_key=True)
    sku: Mapped[str] = mapped_column(ForeignKey("stock.sku"), primary_key=True)
    quantity: Mapped[int] = mapped_column(Integer)
    location: Mapped[str] = mapped_column(String(100))
    allocation: Mapped[AllocationRow] = relationship(back_populates="lines")


metadata = Base.metadata
