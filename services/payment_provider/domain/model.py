"""Captures and refunds. A capture can be refunded in parts, never beyond what it captured."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class CaptureStatus(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class CaptureNotRefundable(Exception):
    """Only succeeded captures hold money to give back."""


class RefundExceedsCapture(Exception):
    def __init__(self, requested: int, refundable: int) -> None:
        super().__init__(f"refund of {requested} exceeds the {refundable} still refundable")
        self.requested = requested
        self.refundable = refundable


def new_id(prefix: str) -> str:
    """Provider-style ids: ``cap_`` / ``re_`` and 24 random hex digits."""
    return f"{prefix}_{secrets.token_hex(12)}"


@dataclass
class Capture:
    id: str
    amount: int
    currency: str
    payment_token: str
    status: CaptureStatus
    created_at: datetime
    failure_code: str | None = None
    refunded_amount: int = 0

    @property
    def refundable(self) -> int:
        return self.amount - self.refunded_amount if self.status is CaptureStatus.SUCCEEDED else 0

    def refund(self, amount: int, refund_id: str, at: datetime) -> Refund:
        if self.status is not CaptureStatus.SUCCEEDED:
            raise CaptureNotRefundable(f"capture {self.id} is {self.status.value}")
        if amount <= 0:
            raise ValueError("refund amount must be positive")
        if amount > self.refundable:
            raise RefundExceedsCapture(amount, self.refundable)
        self.refunded_amount += amount
        return Refund(id=refund_id, capture_id=self.id, amount=amount, currency=self.currency, created_at=at)


@dataclass(frozen=True)
class Refund:
    id: str
    capture_id: str
    amount: int
    currency: str
    created_at: datetime
    status: str = field(default="succeeded")
