"""The provider's unit of work: the kit's stores plus captures, refunds and flaky-token attempts."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.common.uow import UnitOfWork
from services.payment_provider.adapters.repository import CaptureRepository, FlakyAttempts, RefundRepository


class ProviderUnitOfWork(UnitOfWork):
    captures: CaptureRepository
    refunds: RefundRepository
    flaky: FlakyAttempts

    def _bind(self, session: Session) -> None:
        self.captures = CaptureRepository(session)
        self.refunds = RefundRepository(session)
        self.flaky = FlakyAttempts(session)
