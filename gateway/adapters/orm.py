"""SQLAlchemy 2.0 models of the gateway's tables.

``checkouts`` holds every checkout a client started. ``payment_token`` is kept only until the process
instance is started (the instance then holds it) and is cleared in the same update that records the
instance key. ``lease_owner``/``lease_expires_at`` are the claim of the replica starting the instance,
so two replicas never start the same checkout at the same time. ``final_document`` is the checkout's
document once its instance has ended. ``process_version`` is the diagram version the instance runs on
(``domain.rollout`` chooses it).

``checkout_requests`` maps each client's ``Idempotency-Key`` to the checkout it created, with the
fingerprint of the request, so a retry gets the same checkout and a reused key with another body is
refused. Keys are per client: the primary key is (client, key).

``checkout_lifecycle`` is the checkout projection, fed from ``checkout.saga`` by the gateway's
consumer group ``checkout-projection``; ``consumer_inbox`` is that group's inbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from events.consumer.inbox import inbox
from services.common.sqltypes import JsonColumn, UtcDateTime
from services.common.tables import KEY_LENGTH, NAMING_CONVENTION

# Zeebe keys are 64-bit; SQLite's INTEGER already is (and only INTEGER may be an alias of the rowid).
InstanceKey = BigInteger().with_variant(Integer(), "sqlite")

ID_LENGTH = 36
CLIENT_LENGTH = 100
IDENTIFIER_LENGTH = 100
REGION_LENGTH = 20
TOKEN_LENGTH = 128
STATUS_LENGTH = 20
OWNER_LENGTH = 100
EVENT_TYPE_LENGTH = 40
MESSAGE_LENGTH = 1000


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class CheckoutRow(Base):
    __tablename__ = "checkouts"
    __table_args__ = (
        Index("ix_checkouts_client_id_customer_id_created_at", "client_id", "customer_id", "created_at"),
        Index("ix_checkouts_status_created_at", "status", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(CLIENT_LENGTH))
    customer_id: Mapped[str] = mapped_column(String(IDENTIFIER_LENGTH))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JsonColumn)
    shipping_region: Mapped[str] = mapped_column(String(REGION_LENGTH))
    promo_code: Mapped[str | None] = mapped_column(String(IDENTIFIER_LENGTH), nullable=True)
    payment_token: Mapped[str | None] = mapped_column(String(TOKEN_LENGTH), nullable=True)
    status: Mapped[str] = mapped_column(String(STATUS_LENGTH))
    process_instance_key: Mapped[int | None] = mapped_column(InstanceKey, nullable=True)
    process_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # none_as_null: None is SQL NULL (not JSON 'null'), so "no final document yet" is ``IS NULL``.
    final_document: Mapped[dict[str, Any] | None] = mapped_column(
        JsonColumn(none_as_null=True), nullable=True
    )
    lease_owner: Mapped[str | None] = mapped_column(String(OWNER_LENGTH), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CheckoutRequestRow(Base):
    __tablename__ = "checkout_requests"

    client_id: Mapped[str] = mapped_column(String(CLIENT_LENGTH), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    checkout_id: Mapped[str] = mapped_column(ForeignKey("checkouts.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LifecycleEventRow(Base):
    """The checkout projection: the saga's lifecycle events of each checkout, each once."""

    __tablename__ = "checkout_lifecycle"
    __table_args__ = (Index("ix_checkout_lifecycle_checkout_id_occurred_at", "checkout_id", "occurred_at"),)

    event_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    checkout_id: Mapped[str] = mapped_column(String(IDENTIFIER_LENGTH))
    event_type: Mapped[str] = mapped_column(String(EVENT_TYPE_LENGTH))
    step: Mapped[str | None] = mapped_column(String(IDENTIFIER_LENGTH), nullable=True)
    error_code: Mapped[str | None] = mapped_column(String(IDENTIFIER_LENGTH), nullable=True)
    error_message: Mapped[str | None] = mapped_column(String(MESSAGE_LENGTH), nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


# The projection consumer's inbox lives in this database too (its rows commit with the projection's).
inbox.to_metadata(Base.metadata)

metadata = Base.metadata
