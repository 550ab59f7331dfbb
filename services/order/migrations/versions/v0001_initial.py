"""Initial order schema: orders (one per checkout, tombstones included), their lines and allocation,
the block list, and the kit tables.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.common.kit_schema import create_kit_tables_v1, drop_kit_tables_v1
from services.common.sqltypes import UtcDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 64-bit amounts where the database tells sizes apart; SQLite's INTEGER is 64-bit already.
Amount = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

ORDER_OR_TOMBSTONE = (
    "(order_id IS NOT NULL AND customer_id IS NOT NULL AND currency IS NOT NULL"
    " AND total_minor IS NOT NULL AND discount_minor IS NOT NULL AND tax_minor IS NOT NULL"
    " AND quote_id IS NOT NULL AND payment_id IS NOT NULL AND created_at IS NOT NULL)"
    " OR (order_id IS NULL AND customer_id IS NULL AND currency IS NULL"
    " AND total_minor IS NULL AND discount_minor IS NULL AND tax_minor IS NULL"
    " AND quote_id IS NULL AND payment_id IS NULL AND created_at IS NULL)"
)


def upgrade() -> None:
    create_kit_tables_v1()
    op.create_table(
        "orders",
        sa.Column("checkout_id", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("order_id", sa.String(40), nullable=True),
        sa.Column("customer_id", sa.String(100), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("total_minor", Amount, nullable=True),
        sa.Column("discount_minor", Amount, nullable=True),
        sa.Column("tax_minor", Amount, nullable=True),
        sa.Column("quote_id", sa.String(100), nullable=True),
        sa.Column("payment_id", sa.String(100), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=True),
        sa.Column("cancelled_at", UtcDateTime(), nullable=True),
        sa.CheckConstraint("status IN ('CONFIRMED', 'CANCELLED')", name="ck_orders_status_known"),
        sa.CheckConstraint(ORDER_OR_TOMBSTONE, name="ck_orders_order_or_tombstone"),
        sa.CheckConstraint(
            "order_id IS NOT NULL OR status = 'CANCELLED'", name="ck_orders_tombstone_cancelled"
        ),
        sa.CheckConstraint(
            "(status = 'CONFIRMED' AND cancelled_at IS NULL)"
            " OR (status = 'CANCELLED' AND cancelled_at IS NOT NULL)",
            name="ck_orders_cancelled_at_when_cancelled",
        ),
        sa.CheckConstraint(
            "total_minor >= 0 AND discount_minor >= 0 AND tax_minor >= 0",
            name="ck_orders_amounts_not_negative",
        ),
        sa.PrimaryKeyConstraint("checkout_id", name="pk_orders"),
        sa.UniqueConstraint("order_id", name="uq_orders_order_id"),
    )
    op.create_index(
        "ix_orders_customer_id_created_at_order_id", "orders", ["customer_id", "created_at", "order_id"]
    )
    op.create_table(
        "order_lines",
        sa.Column("checkout_id", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sku", sa.String(100), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_minor", Amount, nullable=False),
        sa.Column("line_total_minor", Amount, nullable=False),
        sa.CheckConstraint("quantity > 0", name="ck_order_lines_quantity_positive"),
        sa.CheckConstraint("unit_price_minor >= 0", name="ck_order_lines_unit_price_not_negative"),
        sa.CheckConstraint(
            "line_total_minor = unit_price_minor * quantity", name="ck_order_lines_line_total_adds_up"
        ),
        sa.ForeignKeyConstraint(
            ["checkout_id"], ["orders.checkout_id"], name="fk_order_lines_checkout_id_orders"
        ),
        sa.PrimaryKeyConstraint("checkout_id", "position", name="pk_order_lines"),
        sa.UniqueConstraint("checkout_id", "sku", name="uq_order_lines_checkout_id_sku"),
    )
    op.create_table(
        "order_allocations",
        sa.Column("checkout_id", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sku", sa.String(100), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(100), nullable=False),
        sa.CheckConstraint("quantity > 0", name="ck_order_allocations_quantity_positive"),
        sa.ForeignKeyConstraint(
            ["checkout_id"], ["orders.checkout_id"], name="fk_order_allocations_checkout_id_orders"
        ),
        sa.PrimaryKeyConstraint("checkout_id", "position", name="pk_order_allocations"),
        sa.UniqueConstraint(
            "checkout_id", "sku", "location", name="uq_order_allocations_checkout_id_sku_location"
        ),
    )
    op.create_table(
        "blocked_customers",
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("blocked_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name="pk_blocked_customers"),
    )


def downgrade() -> None:
    op.drop_table("blocked_customers")
    op.drop_table("order_allocations")
    op.drop_table("order_lines")
    op.drop_index("ix_orders_customer_id_created_at_order_id", table_name="orders")
    op.drop_table("orders")
    drop_kit_tables_v1()
