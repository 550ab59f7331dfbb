"""The order service's unit of work: the kit's stores plus the order and block-list repositories."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.common.uow import UnitOfWork
from services.order.adapters.repository import BlockListRepository, OrderRepository


class OrderUnitOfWork(UnitOfWork):
    orders: OrderRepository
    block_list: BlockListRepository

    def _bind(self, session: Session) -> None:
        self.orders = OrderRepository(session)
        self.block_list = BlockListRepository(session)
