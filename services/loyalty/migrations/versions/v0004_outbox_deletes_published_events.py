"""Kit schema version 4: the outbox relay deletes the events it published instead of marking them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from services.common.kit_schema import create_kit_tables_v4, drop_kit_tables_v4

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_kit_tables_v4()


def downgrade() -> None:
    drop_kit_tables_v4()
