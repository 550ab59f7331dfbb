"""The kit's own tables, present in every service's database: idempotency keys, outbox, audit log,
and the lease that lets one outbox relay publish at a time.

They are SQLAlchemy Core tables on :data:`kit_metadata`; a service's Alembic ``env.py`` passes this
metadata next to its own (so autogenerate sees them) and its first migration creates them with
:func:`services.common.kit_schema.create_kit_tables_v1`.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, MetaData, String, Table, Uuid

from services.common.sqltypes import JsonColumn, UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Constraint names spelled out, so migrations can drop or alter them on every backend."""

kit_metadata = MetaData(naming_convention=NAMING_CONVENTION)

KEY_LENGTH = 255
"""Longest accepted ``Idempotency-Key`` (and therefore the key column's width)."""

idempotency_keys = Table(
    "idempotency_keys",
    kit_metadata,
    Column("key", String(KEY_LENGTH), primary_key=True),
    # sha256 hex of the canonical JSON of method, path and validated body.
    Column("request_fingerprint", String(64), nullable=False),
    # NULL only inside the transaction that claimed the key; nobody else can ever see that state.
    Column("response_status", Integer, nullable=True),
    Column("response_body", JsonColumn, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
)

TRACEPARENT_LENGTH = 55
"""``00-<32 hex trace id>-<16 hex span id>-<2 hex flags>``."""

outbox = Table(
    "outbox",
    kit_metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("event_type", String(100), nullable=False),
    Column("schema_version", Integer, nullable=False),
    # NULL for events no checkout caused (an admin setting stock, say). Not indexed: the outbox holds
    # only the events still to publish, and deleting a batch from an index in random (checkout) order
    # was half of what the delete cost on SQLite.
    Column("checkout_id", String(100), nullable=True),
    Column("payload", JsonColumn, nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    # Unused since kit schema version 4 (the relay deletes what it published): kept for one release,
    # because the previous release's services and relays write it during a rolling upgrade. The next
    # kit schema version drops it.
    Column("published_at", UtcDateTime, nullable=True),
    # W3C trace context of the transaction that wrote the event, so the Kafka record continues its trace.
    Column("traceparent", String(TRACEPARENT_LENGTH), nullable=True),
    # The relay's read order. Every row waits to be published: the relay deletes the rows it published
    # (on PostgreSQL a delete cost a fifth of marking them, which rewrote each row and its index entries).
    Index("ix_outbox_occurred_at_event_id", "occurred_at", "event_id"),
)

outbox_relay_lease = Table(
    "outbox_relay_lease",
    kit_metadata,
    # One row per outbox (there is one, named "outbox"); the relay holding it is the only one publishing.
    Column("outbox", String(50), primary_key=True),
    Column("holder", String(200), nullable=False),
    # Grows by one at every change of holder: a relay that lost the lease cannot delete the rows it published.
    Column("fencing_token", BigInteger().with_variant(Integer(), "sqlite"), nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

audit_log = Table(
    "audit_log",
    kit_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("correlation_id", String(100), nullable=False, index=True),
    Column("action", String(100), nullable=False),
    Column("outcome", String(50), nullable=False),
    Column("details", JsonColumn, nullable=False),
    Column("at", UtcDateTime, nullable=False),
)

__all__ = [
    "KEY_LENGTH",
    "NAMING_CONVENTION",
    "TRACEPARENT_LENGTH",
    "audit_log",
    "idempotency_keys",
    "kit_metadata",
    "outbox",
    "outbox_relay_lease",
]
