"""Frozen Alembic operations that create the kit tables in a service's own migration.

Migrations must never change after they ship, so these functions are versioned: ``v1`` creates the
tables as :mod:`services.common.tables` first defined them. When the kit tables change, add ``v2``
operations here and a new migration in every service that calls them; never edit ``v1``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.common.sqltypes import JsonColumn, UtcDateTime


def create_kit_tables_v1() -> None:
    """Create ``idempotency_keys``, ``outbox`` and ``audit_log`` (kit schema version 1)."""
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("request_fingerprint", sa.String(64), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", JsonColumn(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_idempotency_keys"),
    )
    op.create_table(
        "outbox",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("checkout_id", sa.String(100), nullable=True),
        sa.Column("payload", JsonColumn(), nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("published_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("event_id", name="pk_outbox"),
    )
    op.create_index("ix_outbox_checkout_id", "outbox", ["checkout_id"])
    op.create_index("ix_outbox_unpublished", "outbox", ["published_at", "occurred_at"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("correlation_id", sa.String(100), nullable=False),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("outcome", sa.String(50), nullable=False),
        sa.Column("details", JsonColumn(), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_correlation_id", "audit_log", ["correlation_id"])


def create_kit_tables_v2() -> None:
    """Kit schema version 2: the outbox remembers its trace context; the relay lease table."""
    op.add_column("outbox", sa.Column("traceparent", sa.String(55), nullable=True))
    op.create_table(
        "outbox_relay_lease",
        sa.Column("outbox", sa.String(50), nullable=False),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("fencing_token", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("outbox", name="pk_outbox_relay_lease"),
    )


def create_kit_tables_v3() -> None:
    """Kit schema version 3: the relay's index covers its whole sort order and, where the backend
    can (PostgreSQL, SQLite), only the rows still to publish, so reading the next batch neither
    sorts nor passes over the published history."""
    op.drop_index("ix_outbox_unpublished", table_name="outbox")
    _create_index_of_unpublished_rows()


def _create_index_of_unpublished_rows() -> None:
    op.create_index(
        "ix_outbox_unpublished",
        "outbox",
        ["published_at", "occurred_at", "event_id"],
        postgresql_where=sa.text("published_at IS NULL"),
        sqlite_where=sa.text("published_at IS NULL"),
    )


def create_kit_tables_v4() -> None:
    """Kit schema version 4: the relay deletes the events it published instead of marking them, so
    every outbox row is one still to publish. The rows version 3 marked go (their topics hold them),
    and the index that passed over them gives way to an index of the relay's read order. The index by
    checkout goes too: a table of events in flight needs none, and keeping it up cost every insert and
    every delete.

    ``published_at`` stays, unused, for one release: the services and relays of the previous release
    write it, and keep working beside the new ones during a rolling upgrade. The next kit schema
    version drops it.
    """
    marked = sa.table("outbox", sa.column("published_at"))
    op.execute(sa.delete(marked).where(marked.c.published_at.is_not(None)))
    op.drop_index("ix_outbox_unpublished", table_name="outbox")
    op.drop_index("ix_outbox_checkout_id", table_name="outbox")
    op.create_index("ix_outbox_occurred_at_event_id", "outbox", ["occurred_at", "event_id"])


def drop_kit_tables_v4() -> None:
    """Undo :func:`create_kit_tables_v4`: every row left is one still to publish, as the previous
    release's relay reads it (``published_at`` NULL, unless that relay marked it meanwhile)."""
    op.drop_index("ix_outbox_occurred_at_event_id", table_name="outbox")
    _create_index_of_unpublished_rows()
    op.create_index("ix_outbox_checkout_id", "outbox", ["checkout_id"])


def drop_kit_tables_v3() -> None:
    """Undo :func:`create_kit_tables_v3`."""
    op.drop_index("ix_outbox_unpublished", table_name="outbox")
    op.create_index("ix_outbox_unpublished", "outbox", ["published_at", "occurred_at"])


def drop_kit_tables_v2() -> None:
    """Undo :func:`create_kit_tables_v2`."""
    op.drop_table("outbox_relay_lease")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("traceparent")


def drop_kit_tables_v1() -> None:
    """Undo :func:`create_kit_tables_v1`."""
    op.drop_table("audit_log")
    op.drop_table("outbox")
    op.drop_table("idempotency_keys")
