"""The JSON documents the payment service answers with (also its OpenAPI response schemas)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from services.common.api_types import MoneyModel
from services.common.audit import AuditOutcome
from services.payment.domain.model import Payment, PaymentStatus


def _amount(payment: Payment) -> MoneyModel | None:
    return None if payment.charge is None else MoneyModel.of(payment.charge.amount)


class CapturedPaymentView(BaseModel):
    """The answer to a capture: the captured payment."""

    payment_id: str
    checkout_id: str
    customer_id: str
    status: PaymentStatus
    amount: MoneyModel
    payment_token: str
    provider_capture_id: str
    captured_at: datetime

    @classmethod
    def of(cls, payment: Payment) -> CapturedPaymentView:
        assert payment.charge is not None
        assert payment.provider_capture_id is not None
        assert payment.captured_at is not None
        return cls(
            payment_id=payment.payment_id,
            checkout_id=payment.checkout_id,
            customer_id=payment.charge.customer_id,
            status=payment.status,
            amount=MoneyModel.of(payment.charge.amount),
            payment_token=payment.charge.payment_token,
            provider_capture_id=payment.provider_capture_id,
            captured_at=payment.captured_at,
        )


class PaymentView(BaseModel):
    """A payment in whatever state it is; the charge is ``null`` only for a tombstone."""

    payment_id: str
    checkout_id: str
    status: PaymentStatus
    customer_id: str | None
    amount: MoneyModel | None
    payment_token: str | None
    provider_capture_id: str | None
    decline_code: str | None
    provider_refund_id: str | None
    created_at: datetime
    captured_at: datetime | None
    declined_at: datetime | None
    voided_at: datetime | None
    refunded_at: datetime | None

    @classmethod
    def of(cls, payment: Payment) -> PaymentView:
        charge = payment.charge
        return cls(
            payment_id=payment.payment_id,
            checkout_id=payment.checkout_id,
            status=payment.status,
            customer_id=charge.customer_id if charge else None,
            amount=_amount(payment),
            payment_token=charge.payment_token if charge else None,
            provider_capture_id=payment.provider_capture_id,
            decline_code=payment.decline_code,
            provider_refund_id=payment.provider_refund_id,
            created_at=payment.created_at,
            captured_at=payment.captured_at,
            declined_at=payment.declined_at,
            voided_at=payment.voided_at,
            refunded_at=payment.refunded_at,
        )


class RefundView(BaseModel):
    """A refund of the whole capture."""

    payment_id: str
    amount: MoneyModel
    provider_capture_id: str
    provider_refund_id: str
    refunded_at: datetime

    @classmethod
    def of(cls, payment: Payment) -> RefundView:
        assert payment.provider_capture_id is not None
        assert payment.provider_refund_id is not None
        assert payment.refunded_at is not None
        return cls(
            payment_id=payment.payment_id,
            amount=MoneyModel.of(payment.refund_amount),
            provider_capture_id=payment.provider_capture_id,
            provider_refund_id=payment.provider_refund_id,
            refunded_at=payment.refunded_at,
        )


class CompensationView(BaseModel):
    """What a refund request did: ``outcome`` says whether money moved now, ``refund`` how much."""

    outcome: AuditOutcome
    checkout_id: str
    refund: RefundView | None


def body(view: BaseModel) -> dict[str, Any]:
    return view.model_dump(mode="json")
