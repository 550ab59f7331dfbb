"""Initial loyalty schema: awards (one per checkout, tombstones included), accounts, the kit tables.

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

# 64-bit counters where the database tells sizes apart; SQLite's INTEGER is 64-bit already.
Counter = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

AWARD_OR_TOMBSTONE = (
    "(award_id IS NOT NULL AND customer_id IS NOT NULL AND order_id IS NOT NULL"
    " AND amount_minor IS NOT NULL AND currency IS NOT NULL AND points IS NOT NULL"
    " AND awarded_at IS NOT NULL)"
    " OR (award_id IS NULL AND customer_id IS NULL AND order_id IS NULL"
    " AND amount_minor IS NULL AND currency IS NULL AND points IS NULL"
    " AND awarded_at IS NULL)"
)


def upgrade() -> None:
    create_kit_tables_v1()
    op.create_table(
        "awards",
        sa.Column("checkout_id", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("award_id", sa.String(36), nullable=True),
        sa.Column("customer_id", sa.String(100), nullable=True),
        sa.Column("order_id", sa.String(100), nullable=True),
        sa.Column("amount_minor", Counter, nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("points", Counter, nullable=True),
        sa.Column("awarded_at", UtcDateTime(), nullable=True),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.CheckConstraint("status IN ('AWARDED', 'REVOKED')", name="ck_awards_status_known"),
        sa.CheckConstraint(AWARD_OR_TOMBSTONE, name="ck_awards_award_or_tombstone"),
        sa.CheckConstraint("award_id IS NOT NULL OR status = 'REVOKED'", name="ck_awards_tombstone_revoked"),
        sa.CheckConstraint(
            "(status = 'AWARDED' AND revoked_at IS NULL) OR (status = 'REVOKED' AND revoked_at IS NOT NULL)",
            name="ck_awards_revoked_at_when_revoked",
        ),
        sa.CheckConstraint("amount_minor >= 0", name="ck_awards_amount_not_negative"),
        sa.CheckConstraint("points >= 0", name="ck_awards_points_not_negative"),
        sa.PrimaryKeyConstraint("checkout_id", name="pk_awards"),
        sa.UniqueConstraint("award_id", name="uq_awards_award_id"),
    )
    op.create_table(
        "accounts",
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("balance", Counter, nullable=False),
        sa.Column("awarded", Counter, nullable=False),
        sa.Column("revoked", Counter, nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("balance >= 0", name="ck_accounts_balance_not_negative"),
        sa.CheckConstraint("awarded >= 0", name="ck_accounts_awarded_not_negative"),
        sa.CheckConstraint("revoked >= 0", name="ck_accounts_revoked_not_negative"),
        sa.CheckConstraint("balance = awarded - revoked", name="ck_accounts_balanced"),
        sa.PrimaryKeyConstraint("customer_id", name="pk_accounts"),
    )


def downgrade() -> None:
    op.drop_table("accounts")
    op.drop_table("awards")
    drop_kit_tables_v1()
