"""Field types several contracts share.

Amounts, currencies and quantities reuse the services' API types, so the rules a request is held to
(strict integer minor units, ISO 4217 codes, positive quantities) are the ones an event is held to,
stated once.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BeforeValidator, Field

from events.contracts.base import ContractModel
from services.common.api_types import CurrencyCode, MinorUnits, Quantity

__all__ = ["CurrencyCode", "Money", "Quantity", "Timestamp"]


class Money(ContractModel):
    """``{"amount_minor": 1999, "currency": "EUR"}``: integer minor units, never a float."""

    amount_minor: MinorUnits
    currency: CurrencyCode


def _not_a_number(value: object) -> object:
    """Lax datetime parsing would read ``1700000000`` as seconds since the epoch; a payload's moments
    are ISO 8601 strings, so a number there is a producer's mistake."""
    if isinstance(value, int | float):
        raise ValueError("a moment is an ISO 8601 string with a time zone, not a number")
    return value


Timestamp = Annotated[AwareDatetime, Field(strict=False), BeforeValidator(_not_a_number)]
"""A moment with a time zone: an ISO 8601 string in a payload, a ``datetime`` once parsed.

Not strict, because strict mode refuses the string form that JSON payloads carry."""
