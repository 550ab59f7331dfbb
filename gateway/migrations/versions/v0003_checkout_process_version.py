"""The diagram version each checkout's instance runs on (saga versioning and canary rollout).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # batch mode: SQLite rebuilds the table, the other databases alter it in place.
    with op.batch_alter_table("checkouts") as table:
        table.add_column(sa.Column("process_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checkouts") as table:
        table.drop_column("process_version")
