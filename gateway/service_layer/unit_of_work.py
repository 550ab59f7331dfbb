"""The gateway's unit of work: the kit's transaction handling, the checkouts repository and the
checkout projection's reader."""

from __future__ import annotations

from sqlalchemy.orm import Session

from gateway.adapters.projection import ProjectionReader
from gateway.adapters.repository import CheckoutRepository
from services.common.uow import UnitOfWork


class GatewayUnitOfWork(UnitOfWork):
    checkouts: CheckoutRepository
    projection: ProjectionReader

    def _bind(self, session: Session) -> None:
        self.checkouts = CheckoutRepository(session)
        self.projection = ProjectionReader(session)
