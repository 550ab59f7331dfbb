"""Kit schema version 2: the outbox keeps each event's trace context; the outbox relay's lease table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from services.common.kit_schema import create_kit_tables_v2, drop_kit_tables_v2

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_kit_tables_v2()


def downgrade() -> None:
    drop_kit_tables_v2()
