"""Request bodies of the payment API. Strict: unknown fields, floats and strings-as-numbers are 422.

``payment_token`` takes tokens only: a card number (or anything else that is not ``tok_...``) is
refused with 422 before anything is stored, and the problem never echoes it.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StrictInt

from services.common.api_types import Identifier, MoneyModel, StrictModel
from services.payment.domain.model import MAX_AMOUNT_MINOR, TOKEN_PATTERN, Charge, check_payment_token
from services.payment.service_layer.commands import CapturePayment

PaymentToken = Annotated[
    str,
    Field(min_length=5, max_length=100, pattern=TOKEN_PATTERN, examples=["tok_visa"]),
    AfterValidator(check_payment_token),
]


class ChargeAmount(MoneyModel):
    """``{"amount_minor": 1999, "currency": "EUR"}``: more than zero, at most the provider's limit."""

    amount_minor: Annotated[StrictInt, Field(gt=0, le=MAX_AMOUNT_MINOR, description="Minor units.")]


class PaymentRequest(StrictModel):
    """``POST /v1/payments``: charge the checkout's total to the customer's payment token."""

    checkout_id: Identifier
    customer_id: Identifier
    amount: ChargeAmount
    payment_token: PaymentToken

    def command(self) -> CapturePayment:
        return CapturePayment(
            checkout_id=self.checkout_id,
            charge=Charge(self.customer_id, self.amount.to_money(), self.payment_token),
        )
