"""The provider's JSON documents (Stripe-like: flat ``amount`` in minor units and ``currency``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from services.payment_provider.domain.model import Capture, CaptureStatus, Refund


class CaptureView(BaseModel):
    id: str
    object: Literal["capture"] = "capture"
    status: CaptureStatus
    amount: int
    currency: str
    payment_token: str
    failure_code: str | None
    refunded_amount: int
    created_at: datetime

    @classmethod
    def of(cls, capture: Capture) -> CaptureView:
        return cls(
            id=capture.id,
            status=capture.status,
            amount=capture.amount,
            currency=capture.currency,
            payment_token=capture.payment_token,
            failure_code=capture.failure_code,
            refunded_amount=capture.refunded_amount,
            created_at=capture.created_at,
        )


class RefundView(BaseModel):
    id: str
    object: Literal["refund"] = "refund"
    status: str
    capture_id: str
    amount: int
    currency: str
    created_at: datetime

    @classmethod
    def of(cls, refund: Refund) -> RefundView:
        return cls(
            id=refund.id,
            status=refund.status,
            capture_id=refund.capture_id,
            amount=refund.amount,
            currency=refund.currency,
            created_at=refund.created_at,
        )
