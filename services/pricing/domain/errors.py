"""Why pricing said no. The service layer turns these into problem codes."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum


class PromotionRefusal(StrEnum):
    """Why a promotion code cannot be applied to a quote (the ``reason`` of ``INVALID_PROMO``)."""

    UNKNOWN = "UNKNOWN"
    INACTIVE = "INACTIVE"
    EXPIRED = "EXPIRED"
    EXHAUSTED = "EXHAUSTED"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    BELOW_MINIMUM = "BELOW_MINIMUM"


class PricingError(Exception):
    """Base of every business rule violation of pricing."""


class UnknownSkus(PricingError):
    """Some requested SKUs have no price."""

    def __init__(self, skus: Sequence[str]) -> None:
        super().__init__(f"no price for: {', '.join(skus)}")
        self.skus = tuple(skus)


class UnsupportedRegion(PricingError):
    """No tax rate is known for the shipping region, so no total can be given."""

    def __init__(self, region: str) -> None:
        super().__init__(f"no tax rate for shipping region {region}")
        self.region = region


class MixedCurrency(PricingError):
    """The items are priced in more than one currency: there is no single total to give."""

    def __init__(self, currencies: Sequence[str]) -> None:
        super().__init__(f"items priced in several currencies: {', '.join(currencies)}")
        self.currencies = tuple(currencies)


class InvalidPromotion(PricingError):
    """The promotion code cannot be applied; ``reason`` says why."""

    def __init__(self, code: str, reason: PromotionRefusal, detail: str) -> None:
        super().__init__(f"promotion {code}: {detail}")
        self.code = code
        self.reason = reason


class RedemptionLimitBelowUse(PricingError):
    """An admin asked for a ``max_redemptions`` below the redemptions active quotes already hold."""

    def __init__(self, code: str, limit: int, redemptions: int) -> None:
        super().__init__(
            f"promotion {code} is redeemed by {redemptions} active quotes; the limit cannot be {limit}"
        )
        self.redemptions = redemptions


class DuplicateSku(PricingError):
    """The same SKU appears on two lines of one request."""


class QuoteConflict(PricingError):
    """The checkout already has a quote for another customer, other items, region or promotion."""


class QuoteAlreadyVoided(PricingError):
    """The checkout's quote was voided (or voided before it came): it is not quoted again."""
