"""Repositories: load domain objects (locking what will change) and write them back.

Locking is what prevents overselling on PostgreSQL and MariaDB: :meth:`StockRepository.lock` takes
``SELECT ... FOR UPDATE`` on the stock rows *in SKU order*, so two checkouts wanting overlapping SKUs
queue on the same first row instead of deadlocking. (On SQLite the write transaction already holds the
database lock from ``BEGIN IMMEDIATE``; ``FOR UPDATE`` is simply not emitted there.)
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from services.common.sqltypes import utc_now
from services.inventory.adapters.orm import AllocationLineRow, AllocationRow, StockRow
from services.inventory.domain.model import Allocation, AllocationLine, AllocationStatus, StockItem


def _item(row: StockRow) -> StockItem:
    return StockItem(
        sku=row.sku,
        location=row.location,
        on_hand=row.on_hand,
        allocated=row.allocated,
        received=row.received,
    )


class StockRepository:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._rows: dict[str, StockRow] = {}

    def get(self, sku: str) -> StockItem | None:
        row = self._session.get(StockRow, sku)
        return None if row is None else _item(row)

    def lock(self, skus: Iterable[str]) -> dict[str, StockItem]:
        """The stock items of ``skus`` that exist, row-locked until the transaction ends."""
        wanted = sorted(set(skus))
        if not wanted:
            return {}
        rows = self._session.scalars(
            select(StockRow).where(StockRow.sku.in_(wanted)).order_by(StockRow.sku).with_for_update()
        ).all()
        self._rows.update({row.sku: row for row in rows})
        return {row.sku: _item(row) for row in rows}

    def add(self, item: StockItem) -> None:
        row = StockRow(
            sku=item.sku,
            location=item.location,
            on_hand=item.on_hand,
            allocated=item.allocated,
            received=item.received,
            updated_at=utc_now(),
        )
        self._session.add(row)
        self._session.flush()  # a concurrent insert of the same SKU fails here, and the transaction reruns
        self._rows[item.sku] = row

    def save(self, items: Iterable[StockItem]) -> None:
        """Write back items obtained from :meth:`lock` (or :meth:`add`) in this transaction."""
        now = utc_now()
        for item in items:
            row = self._rows[item.sku]
            row.location = item.location
            row.on_hand = item.on_hand
            row.allocated = item.allocated
            row.received = item.received
            row.updated_at = now
        self._session.flush()


def _allocation(row: AllocationRow) -> Allocation:
    return Allocation(
        checkout_id=row.checkout_id,
        status=AllocationStatus(row.status),
        lines=[AllocationLine(line.sku, line.quantity, line.location) for line in row.lines],
        created_at=row.created_at,
        released_at=row.released_at,
    )


class AllocationRepository:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._rows: dict[str, AllocationRow] = {}

    def get(self, checkout_id: str, *, lock: bool = False) -> Allocation | None:
        query = select(AllocationRow).where(AllocationRow.checkout_id == checkout_id)
        if lock:
            query = query.with_for_update()
        row = self._session.scalars(query.options(selectinload(AllocationRow.lines))).first()
        if row is None:
            return None
        self._rows[checkout_id] = row
        return _allocation(row)

    def reserve(self, checkout_id: str, status: AllocationStatus) -> None:
        """Insert the checkout's allocation row now, before touching stock.

        The primary key makes it the checkout's "at most once" guard: a concurrent request for the same
        checkout blocks here and, once this transaction commits, fails and reruns to find it.
        """
        # An empty collection, not a lazy one: saving lines later then does not ask the database first.
        row = AllocationRow(
            checkout_id=checkout_id, status=status.value, created_at=utc_now(), released_at=None, lines=[]
        )
        if status is AllocationStatus.RELEASED:
            row.released_at = row.created_at
        self._session.add(row)
        self._session.flush()
        self._rows[checkout_id] = row

    def save(self, allocation: Allocation) -> Allocation:
        """Write status and lines of an allocation reserved or loaded in this transaction."""
        row = self._rows[allocation.checkout_id]
        if row.status != allocation.status.value and allocation.status is AllocationStatus.RELEASED:
            row.released_at = utc_now()
        row.status = allocation.status.value
        existing = {line.sku for line in row.lines}
        for line in allocation.lines:
            if line.sku not in existing:
                row.lines.append(
                    AllocationLineRow(
                        checkout_id=allocation.checkout_id,
                        sku=line.sku,
                        quantity=line.quantity,
                        location=line.location,
                    )
                )
        self._session.flush()
        return _allocation(row)
