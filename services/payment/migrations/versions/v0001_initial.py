"""Initial payment schema: payments (one per checkout), and the kit tables.

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


def upgrade() -> None:
    create_kit_tables_v1()
    op.create_table(
        "payments",
        sa.Column("checkout_id", sa.String(100), nullable=False),
        sa.Column("payment_id", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("customer_id", sa.String(100), nullable=True),
        sa.Column("amount_minor", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("payment_token", sa.String(100), nullable=True),
        sa.Column("provider_capture_id", sa.String(40), nullable=True),
        sa.Column("decline_code", sa.String(50), nullable=True),
        sa.Column("provider_refund_id", sa.String(40), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("captured_at", UtcDateTime(), nullable=True),
        sa.Column("declined_at", UtcDateTime(), nullable=True),
        sa.Column("voided_at", UtcDateTime(), nullable=True),
        sa.Column("refunded_at", UtcDateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('PENDING', 'CAPTURED', 'DECLINED', 'VOIDING', 'REFUNDED', 'VOIDED')",
            name="ck_payments_status_known",
        ),
        sa.CheckConstraint("amount_minor IS NULL OR amount_minor > 0", name="ck_payments_amount_positive"),
        sa.CheckConstraint(
            "payment_token IS NULL OR substr(payment_token, 1, 4) = 'tok_'", name="ck_payments_token_only"
        ),
        sa.CheckConstraint(
            "status = 'VOIDED' OR amount_minor IS NOT NULL", name="ck_payments_charge_unless_tombstone"
        ),
        sa.CheckConstraint(
            "status <> 'CAPTURED' OR provider_capture_id IS NOT NULL", name="ck_payments_captured_has_capture"
        ),
        sa.CheckConstraint(
            "status <> 'REFUNDED' OR (provider_capture_id IS NOT NULL AND provider_refund_id IS NOT NULL)",
            name="ck_payments_refunded_has_both",
        ),
        sa.PrimaryKeyConstraint("checkout_id", name="pk_payments"),
        sa.UniqueConstraint("payment_id", name="uq_payments_payment_id"),
    )


def downgrade() -> None:
    op.drop_table("payments")
    drop_kit_tables_v1()
