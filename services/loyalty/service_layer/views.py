"""The JSON documents the loyalty service answers with (also its OpenAPI response schemas)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from services.common.api_types import MoneyModel
from services.common.audit import AuditOutcome
from services.loyalty.domain.model import Account, Award, AwardStatus


class AwardView(BaseModel):
    award_id: str
    checkout_id: str
    customer_id: str
    order_id: str
    amount: MoneyModel
    points: int
    status: AwardStatus
    awarded_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, award: Award) -> AwardView:
        return cls(
            award_id=award.award_id,
            checkout_id=award.checkout_id,
            customer_id=award.purchase.customer_id,
            order_id=award.purchase.order_id,
            amount=MoneyModel.of(award.purchase.amount),
            points=award.points,
            status=award.status,
            awarded_at=award.awarded_at,
            revoked_at=award.revoked_at,
        )


class RevokeView(BaseModel):
    """What a revoke did: ``outcome`` says whether points moved, ``points_revoked`` how many."""

    outcome: AuditOutcome
    checkout_id: str
    points_revoked: int


class AccountView(BaseModel):
    customer_id: str
    balance: int
    awarded: int
    revoked: int

    @classmethod
    def of(cls, account: Account) -> AccountView:
        return cls(
            customer_id=account.customer_id,
            balance=account.balance,
            awarded=account.awarded,
            revoked=account.revoked,
        )


def body(view: BaseModel) -> dict[str, Any]:
    return view.model_dump(mode="json")
