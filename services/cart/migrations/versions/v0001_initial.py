"""Initial cart schema: products, reservations, reservation lines, and the kit tables.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
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


def _amount() -> sa.types.TypeEngine[int]:
    """64-bit amounts and counters; SQLite's INTEGER is 64-bit already."""
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    create_kit_tables_v1()
    op.create_table(
        "products",
        sa.Column("sku", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("list_price_minor", _amount(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("max_per_order", sa.Integer(), nullable=False),
        sa.Column("sellable", sa.Boolean(), nullable=False),
        sa.Column("reserved_quantity", _amount(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("list_price_minor >= 0", name="ck_products_list_price_not_negative"),
        sa.CheckConstraint("max_per_order BETWEEN 1 AND 1000", name="ck_products_max_per_order_in_range"),
        sa.CheckConstraint("reserved_quantity >= 0", name="ck_products_reserved_quantity_not_negative"),
        sa.PrimaryKeyConstraint("sku", name="pk_products"),
    )
    op.create_table(
        "reservations",
        sa.Column("checkout_id", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("customer_id", sa.String(100), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("reserved_at", UtcDateTime(), nullable=True),
        sa.Column("released_at", UtcDateTime(), nullable=True),
        sa.CheckConstraint("status IN ('RESERVED', 'RELEASED')", name="ck_reservations_status_known"),
        sa.PrimaryKeyConstraint("checkout_id", name="pk_reservations"),
    )
    op.create_table(
        "reservation_lines",
        sa.Column("checkout_id", sa.String(100), nullable=False),
        sa.Column("sku", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price_minor", _amount(), nullable=False),
        sa.CheckConstraint("quantity BETWEEN 1 AND 1000", name="ck_reservation_lines_quantity_in_range"),
        sa.CheckConstraint("unit_price_minor >= 0", name="ck_reservation_lines_unit_price_not_negative"),
        sa.ForeignKeyConstraint(
            ["checkout_id"],
            ["reservations.checkout_id"],
            name="fk_reservation_lines_checkout_id_reservations",
        ),
        sa.ForeignKeyConstraint(["sku"], ["products.sku"], name="fk_reservation_lines_sku_products"),
        sa.PrimaryKeyConstraint("checkout_id", "sku", name="pk_reservation_lines"),
    )


def downgrade() -> None:
    op.drop_table("reservation_lines")
    op.drop_table("reservations")
    op.drop_table("products")
    drop_kit_tables_v1()
