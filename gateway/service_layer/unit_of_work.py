"""The gateway's unit of work: the kit's transaction handling plus the checkouts repository."""

from __future__ import annotations

from sqlalchemy.orm import Session

from gateway.adapters.repository import CheckoutRepository
from services.common.uow import UnitOfWork


class GatewayUnitOfWork(UnitOfWork):
    checkouts: CheckoutRepository

    def _bind(self, session: Session) -> None:
        self.checkouts = CheckoutRepository(session)
