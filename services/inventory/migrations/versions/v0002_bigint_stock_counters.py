"""Stock counters become 64-bit: receipts accumulate and could pass 2^31 on PostgreSQL and MariaDB.

SQLite's INTEGER is already 64-bit, so nothing changes there.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTERS = ("on_hand", "allocated", "received")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for column in COUNTERS:
        op.alter_column(
            "stock", column, type_=sa.BigInteger(), existing_type=sa.Integer(), existing_nullable=False
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for column in COUNTERS:
        op.alter_column(
            "stock", column, type_=sa.Integer(), existing_type=sa.BigInteger(), existing_nullable=False
        )
