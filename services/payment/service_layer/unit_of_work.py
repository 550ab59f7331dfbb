"""The payment service's unit of work: the kit's stores plus the payments repository."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.common.uow import UnitOfWork
from services.payment.adapters.repository import PaymentRepository


class PaymentUnitOfWork(UnitOfWork):
    payments: PaymentRepository

    def _bind(self, session: Session) -> None:
        self.payments = PaymentRepository(session)
