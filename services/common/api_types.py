"""Pydantic types for request bodies and headers that every service shares.

``MinorUnits`` is a *strict* int: JSON ``19.99``, ``20.0``, ``"20"`` and ``true`` are all refused with
422, so a float can never become money. ``CurrencyCode`` accepts ISO 4217 codes only.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictInt

from services.common.currencies import is_currency
from services.common.money import Money
from services.common.tables import KEY_LENGTH


def _iso_currency(code: str) -> str:
    if not is_currency(code):
        raise ValueError("must be an ISO 4217 currency code such as EUR")
    return code


MinorUnits = Annotated[StrictInt, Field(ge=0, description="Amount in minor units (cents): an integer.")]
CurrencyCode = Annotated[
    str,
    Field(min_length=3, max_length=3, pattern="^[A-Z]{3}$", examples=["EUR"]),
    AfterValidator(_iso_currency),
]
Quantity = Annotated[StrictInt, Field(gt=0, le=1_000_000, description="A whole number of items.")]
IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:_-]*$"
Identifier = Annotated[
    str, Field(min_length=1, max_length=100, pattern=IDENTIFIER_PATTERN, examples=["chk-42"])
]
"""Checkout ids, SKUs and the like: printable, no spaces, at most 100 characters."""

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]+$"
IDEMPOTENCY_KEY_MAX_LENGTH = KEY_LENGTH


class StrictModel(BaseModel):
    """Request bodies: unknown fields are an error (they would otherwise escape the fingerprint)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class MoneyModel(StrictModel):
    """``{"amount_minor": 1999, "currency": "EUR"}`` on the wire."""

    amount_minor: MinorUnits
    currency: CurrencyCode

    def to_money(self) -> Money:
        return Money(self.amount_minor, self.currency)

    @classmethod
    def of(cls, money: Money) -> MoneyModel:
        return cls(amount_minor=money.amount_minor, currency=money.currency)
