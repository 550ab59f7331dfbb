"""A reservation can end checked out: its order was created and took its items.

The status check gains ``CHECKED_OUT`` and the row records when. SQLite cannot alter a constraint,
so there batch mode rebuilds the table, dropping the old one; the reservation lines refer to it, so
they wait in a side table meanwhile (foreign keys stay on, and no line is ever without its
reservation).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

from services.common.sqltypes import UtcDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONSTRAINT = "ck_reservations_status_known"


@contextmanager
def _reservations_altered() -> Iterator[BatchOperations]:
    rebuilt = op.get_bind().dialect.name == "sqlite"
    if rebuilt:
        op.execute("CREATE TABLE _reservation_lines_aside AS SELECT * FROM reservation_lines")
        op.execute("DELETE FROM reservation_lines")
    with op.batch_alter_table("reservations") as batch:
        yield batch
    if rebuilt:
        op.execute("INSERT INTO reservation_lines SELECT * FROM _reservation_lines_aside")
        op.execute("DROP TABLE _reservation_lines_aside")


def upgrade() -> None:
    with _reservations_altered() as batch:
        batch.add_column(sa.Column("checked_out_at", UtcDateTime(), nullable=True))
        batch.drop_constraint(CONSTRAINT, type_="check")
        batch.create_check_constraint(CONSTRAINT, "status IN ('RESERVED', 'CHECKED_OUT', 'RELEASED')")


def downgrade() -> None:
    # Checked-out reservations hold nothing, as released ones do: that is what they become.
    op.execute(
        "UPDATE reservations SET status = 'RELEASED', released_at = checked_out_at"
        " WHERE status = 'CHECKED_OUT'"
    )
    with _reservations_altered() as batch:
        batch.drop_constraint(CONSTRAINT, type_="check")
        batch.create_check_constraint(CONSTRAINT, "status IN ('RESERVED', 'RELEASED')")
        batch.drop_column("checked_out_at")
