"""Initial gateway schema: checkouts and the clients' idempotency keys.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.common.sqltypes import UtcDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checkouts",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("client_id", sa.String(100), nullable=False),
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("shipping_region", sa.String(20), nullable=False),
        sa.Column("promo_code", sa.String(100), nullable=True),
        sa.Column("payment_token", sa.String(128), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column(
            "process_instance_key", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("final_document", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("lease_owner", sa.String(100), nullable=True),
        sa.Column("lease_expires_at", UtcDateTime(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_checkouts"),
    )
    op.create_index(
        "ix_checkouts_client_id_customer_id_created_at",
        "checkouts",
        ["client_id", "customer_id", "created_at"],
    )
    op.create_index("ix_checkouts_status_created_at", "checkouts", ["status", "created_at"])
    op.create_table(
        "checkout_requests",
        sa.Column("client_id", sa.String(100), nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("checkout_id", sa.String(36), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["checkout_id"], ["checkouts.id"], name="fk_checkout_requests_checkout_id_checkouts"
        ),
        sa.PrimaryKeyConstraint("client_id", "idempotency_key", name="pk_checkout_requests"),
    )


def downgrade() -> None:
    op.drop_table("checkout_requests")
    op.drop_index("ix_checkouts_status_created_at", table_name="checkouts")
    op.drop_index("ix_checkouts_client_id_customer_id_created_at", table_name="checkouts")
    op.drop_table("checkouts")
