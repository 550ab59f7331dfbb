"""Request bodies of the loyalty API. Strict: unknown fields, floats and strings-as-numbers are 422."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from services.common.api_types import Identifier, MinorUnits, MoneyModel, StrictModel
from services.loyalty.domain.model import Purchase
from services.loyalty.service_layer.commands import AwardPoints

MAX_AMOUNT_MINOR = 10**12
"""Ten billion euros (a trillion yen): keeps an award's points, and the totals, well inside 64 bits."""


class OrderAmount(MoneyModel):
    """What the order cost, ``{"amount_minor": 1999, "currency": "EUR"}``, within a sane bound."""

    amount_minor: Annotated[MinorUnits, Field(le=MAX_AMOUNT_MINOR)]


class AwardRequest(StrictModel):
    checkout_id: Identifier
    customer_id: Identifier
    order_id: Identifier
    amount: OrderAmount

    def command(self) -> AwardPoints:
        purchase = Purchase(self.customer_id, self.order_id, self.amount.to_money())
        return AwardPoints(checkout_id=self.checkout_id, purchase=purchase)
