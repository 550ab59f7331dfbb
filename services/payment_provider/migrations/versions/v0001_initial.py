"""Initial provider schema: captures, refunds, tok_flaky attempts, and the kit tables.

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
        "captures",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("payment_token", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("failure_code", sa.String(50), nullable=True),
        sa.Column("refunded_amount", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("amount > 0", name="ck_captures_amount_positive"),
        sa.CheckConstraint(
            "refunded_amount >= 0 AND refunded_amount <= amount", name="ck_captures_refund_within_amount"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_captures"),
    )
    op.create_table(
        "refunds",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("capture_id", sa.String(40), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("amount > 0", name="ck_refunds_amount_positive"),
        sa.ForeignKeyConstraint(["capture_id"], ["captures.id"], name="fk_refunds_capture_id_captures"),
        sa.PrimaryKeyConstraint("id", name="pk_refunds"),
    )
    op.create_index("ix_refunds_capture_id", "refunds", ["capture_id"])
    op.create_table(
        "flaky_attempts",
        sa.Column("idempotency_key", sa.String(255), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("idempotency_key", name="pk_flaky_attempts"),
    )


def downgrade() -> None:
    op.drop_table("flaky_attempts")
    op.drop_table("refunds")
    op.drop_table("captures")
    drop_kit_tables_v1()
