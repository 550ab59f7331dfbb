"""The inventory's unit of work: the kit's stores plus the stock and allocation repositories."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.common.uow import UnitOfWork
from services.inventory.adapters.repository import AllocationRepository, StockRepository


class InventoryUnitOfWork(UnitOfWork):
    stock: StockRepository
    allocations: AllocationRepository

    def _bind(self, session: Session) -> None:
        self.stock = StockRepository(session)
        self.allocations = AllocationRepository(session)
