"""Kit schema version 3: the outbox relay reads its next batch from an index of unpublished rows only.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from services.common.kit_schema import create_kit_tables_v3, drop_kit_tables_v3

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_kit_tables_v3()


def downgrade() -> None:
    drop_kit_tables_v3()
