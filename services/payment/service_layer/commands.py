"""What callers ask the payment service to do, already validated by the entry points."""

from __future__ import annotations

from dataclasses import dataclass

from services.payment.domain.model import Charge


@dataclass(frozen=True)
class CapturePayment:
    checkout_id: str
    charge: Charge


@dataclass(frozen=True)
class RefundPayment:
    checkout_id: str
