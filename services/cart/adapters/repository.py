"""Repositories: load domain objects (locking what will change) and write them back.

Locking is what keeps ``reserved_quantity`` exact on PostgreSQL (and MariaDB) at READ COMMITTED:
:meth:`ProductRepository.lock` takes ``SELECT ... FOR UPDATE`` on the product rows *in SKU order*, so
two checkouts wanting overlapping SKUs queue on the same first row instead of deadlocking, and each
adds to a count the other has committed. (On SQLite the write transaction already holds the database
lock from ``BEGIN IMMEDIATE``; ``FOR UPDATE`` is simply not emitted there.)
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from services.cart.adapters.orm import ProductRow, ReservationLineRow, ReservationRow
from services.cart.domain.model import Product, Reservation, ReservationStatus, ReservedItem
from services.common.money import Money
from services.common.sqltypes import utc_now


def _product(row: ProductRow) -> Product:
    return Product(
        sku=row.sku,
        name=row.name,
        list_price=Money(row.list_price_minor, row.currency),
        max_per_order=row.max_per_order,
        sellable=row.sellable,
        reserved_quantity=row.reserved_quantity,
    )


def _write(row: ProductRow, product: Product) -> None:
    row.name = product.name
    row.list_price_minor = product.list_price.amount_minor
    row.currency = product.list_price.currency
    row.max_per_order = product.max_per_order
    row.sellable = product.sellable
    row.reserved_quantity = product.reserved_quantity
    row.updated_at = utc_now()


class ProductRepository:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._rows: dict[str, ProductRow] = {}

    def get(self, sku: str) -> Product | None:
        row = self._session.get(ProductRow, sku)
        return None if row is None else _product(row)

    def lock(self, skus: Iterable[str]) -> dict[str, Product]:
        """The products of ``skus`` that exist, row-locked until the transaction ends."""
        wanted = sorted(set(skus))
        if not wanted:
            return {}
        rows = self._session.scalars(
            select(ProductRow).where(ProductRow.sku.in_(wanted)).order_by(ProductRow.sku).with_for_update()
        ).all()
        self._rows.update({row.sku: row for row in rows})
        return {row.sku: _product(row) for row in rows}

    def add(self, product: Product) -> None:
        row = ProductRow(sku=product.sku)
        _write(row, product)
        self._session.add(row)
        self._session.flush()  # a concurrent insert of the same SKU fails here, and the transaction reruns
        self._rows[product.sku] = row

    def save(self, products: Iterable[Product]) -> None:
        """Write back products obtained from :meth:`lock` (or :meth:`add`) in this transaction."""
        for product in products:
            _write(self._rows[product.sku], product)
        self._session.flush()


def _reservation(row: ReservationRow) -> Reservation:
    items = []
    if row.currency is not None:
        items = [
            ReservedItem(line.sku, line.name, line.quantity, Money(line.unit_price_minor, row.currency))
            for line in row.lines
        ]
    return Reservation(
        checkout_id=row.checkout_id,
        status=ReservationStatus(row.status),
        customer_id=row.customer_id,
        items=items,
        reserved_at=row.reserved_at,
        released_at=row.released_at,
        checked_out_at=row.checked_out_at,
    )


class ReservationRepository:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._rows: dict[str, ReservationRow] = {}

    def get(self, checkout_id: str, *, lock: bool = False) -> Reservation | None:
        query = select(ReservationRow).where(ReservationRow.checkout_id == checkout_id)
        if lock:
            query = query.with_for_update()
        row = self._session.scalars(query.options(selectinload(ReservationRow.lines))).first()
        if row is None:
            return None
        self._rows[checkout_id] = row
        return _reservation(row)

    def claim(self, checkout_id: str, status: ReservationStatus) -> None:
        """Insert the checkout's reservation row now, before touching products.

        The primary key makes it the checkout's "at most once" guard: a concurrent request for the same
        checkout blocks here and, once this transaction commits, fails and reruns to find it. Claimed
        ``RELEASED`` it is a tombstone and is complete as it is.
        """
        # An empty collection, not a lazy one: saving lines later then does not ask the database first.
        row = ReservationRow(checkout_id=checkout_id, status=status.value, lines=[])
        if status is ReservationStatus.RELEASED:
            row.released_at = utc_now()
        self._session.add(row)
        self._session.flush()
        self._rows[checkout_id] = row

    def save(self, reservation: Reservation) -> Reservation:
        """Write status, customer and items of a reservation claimed or loaded in this transaction."""
        row = self._rows[reservation.checkout_id]
        now = utc_now()
        if reservation.status is ReservationStatus.RELEASED and row.status != reservation.status.value:
            row.released_at = now
        if reservation.status is ReservationStatus.RESERVED and row.reserved_at is None:
            row.reserved_at = now
        if reservation.status is ReservationStatus.CHECKED_OUT and row.checked_out_at is None:
            row.checked_out_at = now
        row.status = reservation.status.value
        row.customer_id = reservation.customer_id
        row.currency = reservation.currency
        existing = {line.sku for line in row.lines}
        for item in reservation.items:
            if item.sku not in existing:
                row.lines.append(
                    ReservationLineRow(
                        checkout_id=reservation.checkout_id,
                        sku=item.sku,
                        name=item.name,
                        quantity=item.quantity,
                        unit_price_minor=item.unit_price.amount_minor,
                    )
                )
        self._session.flush()
        return _reservation(row)
