"""Initial inventory schema: stock, allocations, allocation lines, and the kit tables.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
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


def upgrade() -> None:
    create_kit_tables_v1()
    op.create_table(
        "stock",
        sa.Column("sku", sa.String(100), nullable=False),
        sa.Column("location", sa.String(100), nullable=False),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.Column("allocated", sa.Integer(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("on_hand >= 0", name="ck_stock_on_hand_not_negative"),
        sa.CheckConstraint("allocated >= 0", name="ck_stock_allocated_not_negative"),
        sa.CheckConstraint("on_hand + allocated = received", name="ck_stock_balanced"),
        sa.PrimaryKeyConstraint("sku", name="pk_stock"),
    )
    op.create_table(
        "allocations",
        sa.Column("checkout_id", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("released_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("checkout_id", name="pk_allocations"),
    )
    op.create_table(
        "allocation_lines",
        sa.Column("checkout_id", sa.String(100), nullable=False),
        sa.Column("sku", sa.String(100), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(100), nullable=False),
        sa.CheckConstraint("quantity > 0", name="ck_allocation_lines_quantity_positive"),
        sa.ForeignKeyConstraint(
            ["checkout_id"], ["allocations.checkout_id"], name="fk_allocation_lines_checkout_id_allocations"
        ),
        sa.ForeignKeyConstraint(["sku"], ["stock.sku"], name="fk_allocation_lines_sku_stock"),
        sa.PrimaryKeyConstraint("checkout_id", "sku", name="pk_allocation_lines"),
    )


def downgrade() -> None:
    op.drop_table("allocation_lines")
    op.drop_table("allocations")
    op.drop_table("stock")
    drop_kit_tables_v1()
