"""The loyalty unit of work: the kit's stores plus the award and account repositories."""

from __future__ import annotations

from sqlalchemy.orm import Session

from services.common.uow import UnitOfWork
from services.loyalty.adapters.repository import AccountRepository, AwardRepository


class LoyaltyUnitOfWork(UnitOfWork):
    awards: AwardRepository
    accounts: AccountRepository

    def _bind(self, session: Session) -> None:
        self.awards = AwardRepository(session)
        self.accounts = AccountRepository(session)
