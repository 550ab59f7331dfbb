"""The checkout projection: lifecycle events per checkout, and the projection consumer's inbox.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.common.sqltypes import UtcDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checkout_lifecycle",
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("checkout_id", sa.String(100), nullable=False),
        sa.Column("event_type", sa.String(40), nullable=False),
        sa.Column("step", sa.String(100), nullable=True),
        sa.Column("error_code", sa.String(100), nullable=True),
        sa.Column("error_message", sa.String(1000), nullable=True),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_checkout_lifecycle"),
    )
    op.create_index(
        "ix_checkout_lifecycle_checkout_id_occurred_at", "checkout_lifecycle", ["checkout_id", "occurred_at"]
    )
    op.create_table(
        "consumer_inbox",
        sa.Column("group_id", sa.String(100), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("processed_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("group_id", "event_id", name="pk_consumer_inbox"),
    )


def downgrade() -> None:
    op.drop_table("consumer_inbox")
    op.drop_table("checkout_lifecycle")
