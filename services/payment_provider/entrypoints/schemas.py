"""Request bodies of the provider. ``payment_token`` must be a sandbox token: anything else (a card
number pasted by mistake, say) is refused with 422 and never stored, logged or echoed back."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from services.common.api_types import CurrencyCode, Identifier, MinorUnits, StrictModel
from services.payment_provider.domain.tokens import SandboxToken
from services.payment_provider.service_layer.handlers import CaptureMoney, RefundMoney

Amount = Annotated[MinorUnits, Field(gt=0, le=99_999_999)]


class CaptureRequest(StrictModel):
    amount: Amount
    currency: CurrencyCode
    payment_token: SandboxToken

    def command(self) -> CaptureMoney:
        return CaptureMoney(amount=self.amount, currency=self.currency, payment_token=self.payment_token)


class RefundRequest(StrictModel):
    capture_id: Identifier
    amount: Amount

    def command(self) -> RefundMoney:
        return RefundMoney(capture_id=self.capture_id, amount=self.amount)
