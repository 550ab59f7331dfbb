"""The checkouts repository: records, idempotency keys, start claims (leases) and final documents.

Claims are conditional updates (``... WHERE lease is free``): on PostgreSQL and MariaDB the second of
two concurrent updates waits for the first to commit, re-reads the row and no longer matches; on
SQLite writers are serialised by ``BEGIN IMMEDIATE``. Either way exactly one replica gets the row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, and_, or_, select, update
from sqlalchemy.orm import Session

from gateway.adapters.orm import CheckoutRequestRow, CheckoutRow
from gateway.domain.cursor import Cursor
from gateway.domain.model import Checkout, CheckoutStatus, LineItem, StartedInstance, items_document


def _checkout(row: CheckoutRow) -> Checkout:
    return Checkout(
        id=row.id,
        client_id=row.client_id,
        customer_id=row.customer_id,
        items=tuple(LineItem(item["sku"], item["quantity"]) for item in row.items),
        shipping_region=row.shipping_region,
        promo_code=row.promo_code,
        status=CheckoutStatus(row.status),
        process_instance_key=row.process_instance_key,
        created_at=row.created_at,
        updated_at=row.updated_at,
        final_document=row.final_document,
        process_version=row.process_version,
    )


@dataclass(frozen=True)
class StoredRequest:
    fingerprint: str
    checkout_id: str


@dataclass(frozen=True)
class StartOrder:
    """A checkout to start, with the payment token its instance needs (held only until started)."""

    checkout: Checkout
    payment_token: str


def _rowcount(result: Any) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


class CheckoutRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    # ------------------------------------------------------------------ recording
    def add(self, checkout: Checkout, payment_token: str, lease_owner: str, lease_until: datetime) -> None:
        """Record a new checkout, claimed by ``lease_owner`` who is about to start it."""
        self._session.add(
            CheckoutRow(
                id=checkout.id,
                client_id=checkout.client_id,
                customer_id=checkout.customer_id,
                items=items_document(checkout.items),
                shipping_region=checkout.shipping_region,
                promo_code=checkout.promo_code,
                payment_token=payment_token,
                status=checkout.status.value,
                process_instance_key=None,
                final_document=None,
                lease_owner=lease_owner,
                lease_expires_at=lease_until,
                created_at=checkout.created_at,
                updated_at=checkout.updated_at,
            )
        )
        self._session.flush()

    def find_request(self, client_id: str, idempotency_key: str) -> StoredRequest | None:
        row = self._session.get(CheckoutRequestRow, (client_id, idempotency_key))
        return None if row is None else StoredRequest(row.fingerprint, row.checkout_id)

    def add_request(
        self, client_id: str, idempotency_key: str, fingerprint: str, checkout_id: str, at: datetime
    ) -> None:
        """Insert the key; a concurrent request with the same key fails here (unique violation)."""
        self._session.add(
            CheckoutRequestRow(
                client_id=client_id,
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
                checkout_id=checkout_id,
                created_at=at,
            )
        )
        self._session.flush()

    # ------------------------------------------------------------------ reading
    def get(self, checkout_id: str, client_id: str | None = None) -> Checkout | None:
        """The checkout, if it exists (and, given ``client_id``, belongs to that client)."""
        query = select(CheckoutRow).where(CheckoutRow.id == checkout_id)
        if client_id is not None:
            query = query.where(CheckoutRow.client_id == client_id)
        row = self._session.scalars(query).first()
        return None if row is None else _checkout(row)

    def list_for_customer(
        self, client_id: str, customer_id: str, after: Cursor | None, limit: int
    ) -> list[Checkout]:
        """The client's checkouts for the customer, newest first, strictly after ``after``."""
        query = select(CheckoutRow).where(
            CheckoutRow.client_id == client_id, CheckoutRow.customer_id == customer_id
        )
        if after is not None:
            query = query.where(
                or_(
                    CheckoutRow.created_at < after.created_at,
                    and_(CheckoutRow.created_at == after.created_at, CheckoutRow.id < after.checkout_id),
                )
            )
        query = query.order_by(CheckoutRow.created_at.desc(), CheckoutRow.id.desc()).limit(limit)
        return [_checkout(row) for row in self._session.scalars(query)]

    # ------------------------------------------------------------------ starting
    def start_order(self, checkout_id: str) -> StartOrder | None:
        """The checkout with its payment token, while it still waits for its instance."""
        row = self._session.get(CheckoutRow, checkout_id)
        if row is None or row.process_instance_key is not None or row.payment_token is None:
            return None
        return StartOrder(_checkout(row), row.payment_token)

    def claimable(self, now: datetime, limit: int) -> list[str]:
        """Ids of checkouts still without an instance whose claim is free, oldest first."""
        query = (
            select(CheckoutRow.id)
            .where(
                CheckoutRow.status == CheckoutStatus.PENDING.value,
                CheckoutRow.process_instance_key.is_(None),
                CheckoutRow.payment_token.is_not(None),
                or_(CheckoutRow.lease_expires_at.is_(None), CheckoutRow.lease_expires_at < now),
            )
            .order_by(CheckoutRow.created_at)
            .limit(limit)
        )
        return list(self._session.scalars(query))

    def claim(self, checkout_id: str, owner: str, now: datetime, until: datetime) -> bool:
        """Take the start claim of a checkout if it is (still) free; True when this owner got it."""
        result = self._session.execute(
            update(CheckoutRow)
            .where(
                CheckoutRow.id == checkout_id,
                CheckoutRow.process_instance_key.is_(None),
                or_(CheckoutRow.lease_expires_at.is_(None), CheckoutRow.lease_expires_at < now),
            )
            .values(lease_owner=owner, lease_expires_at=until)
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result) == 1

    def release(self, checkout_id: str, owner: str) -> None:
        """Give up this owner's claim (the start failed): the next recovery pass may take it."""
        self._session.execute(
            update(CheckoutRow)
            .where(
                CheckoutRow.id == checkout_id,
                CheckoutRow.lease_owner == owner,
                CheckoutRow.process_instance_key.is_(None),
            )
            .values(lease_owner=None, lease_expires_at=None)
            .execution_options(synchronize_session=False)
        )

    def record_started(self, checkout_id: str, instance: StartedInstance, now: datetime) -> bool:
        """Record the instance key and version (RUNNING) and forget the payment token; False if one was
        recorded already (a second instance was started, see ``service_layer.start.start_instance``)."""
        result = self._session.execute(
            update(CheckoutRow)
            .where(CheckoutRow.id == checkout_id, CheckoutRow.process_instance_key.is_(None))
            .values(
                process_instance_key=instance.key,
                process_version=instance.version,
                status=CheckoutStatus.RUNNING.value,
                payment_token=None,
                lease_owner=None,
                lease_expires_at=None,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result) == 1

    # ------------------------------------------------------------------ ending
    def store_final(
        self, checkout_id: str, status: CheckoutStatus, document: dict[str, Any], updated_at: datetime
    ) -> None:
        """Keep the document of an ended checkout; it never changes again."""
        self._session.execute(
            update(CheckoutRow)
            .where(CheckoutRow.id == checkout_id, CheckoutRow.final_document.is_(None))
            .values(status=status.value, final_document=document, updated_at=updated_at)
            .execution_options(synchronize_session=False)
        )
