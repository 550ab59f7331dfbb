"""The cart's unit of work: the kit's stores plus the product and reservation repositories."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.cart.adapters.repository import ProductRepository, ReservationRepository
from services.common.uow import UnitOfWork


class CartUnitOfWork(UnitOfWork):
    products: ProductRepository
    reservations: ReservationRepository

    def _bind(self, session: Session) -> None:
        self.products = ProductRepository(session)
        self.reservations = ReservationRepository(session)
