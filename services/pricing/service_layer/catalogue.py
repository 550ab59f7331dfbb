"""Admin use cases of the catalogue: unit prices, promotions and tax rates (``PUT`` and ``GET``).

Each ``PUT`` is a plain replacement: setting the same values again changes nothing and writes no
event, so it needs no idempotency key. A price ``PUT`` always invalidates the SKU's cached price once
its transaction has committed (even when nothing changed: a repeated ``PUT`` heals an invalidation a
Redis outage lost). Quotes already made keep their locked prices.

==============================  ======  ====================================================
code                            status  meaning
==============================  ======  ====================================================
``UNKNOWN_SKU``                 404     ``GET /v1/prices/{sku}``: the SKU has no price
``PROMOTION_NOT_FOUND``         404     ``GET /v1/promotions/{code}``: no such promotion
``UNSUPPORTED_REGION``          404     ``GET /v1/tax-rates/{region}``: no rate for the region
``REDEMPTION_LIMIT_BELOW_USE``  409     ``max_redemptions`` below the redemptions active quotes
                                        hold (``redemptions``); nothing changed
==============================  ======  ====================================================
"""

from __future__ import annotations

from services.common.errors import NotFound, Rejection
from services.common.reply import Reply
from services.common.transactions import run_transaction
from services.pricing.domain.errors import RedemptionLimitBelowUse
from services.pricing.domain.events import PriceChanged, PromotionChanged, TaxRateChanged
from services.pricing.domain.model import Promotion
from services.pricing.service_layer.commands import SetPrice, SetPromotion, SetTaxRate
from services.pricing.service_layer.handlers import UNKNOWN_SKU, UNSUPPORTED_REGION, UnitOfWorkFactory
from services.pricing.service_layer.views import PriceView, PromotionView, TaxRateView, body

PROMOTION_NOT_FOUND = "PROMOTION_NOT_FOUND"
REDEMPTION_LIMIT_BELOW_USE = "REDEMPTION_LIMIT_BELOW_USE"


def set_price(open_uow: UnitOfWorkFactory, command: SetPrice) -> Reply:
    """Admin: the SKU's unit price (201 when new); event ``PriceChanged`` when it changed."""

    def attempt() -> Reply:
        with open_uow() as uow:
            previous = uow.prices.get(command.sku, lock=True)
            if previous != command.unit_price:
                uow.prices.put(command.sku, command.unit_price)
                uow.outbox.add(PriceChanged(command.sku, command.unit_price, previous))
            uow.invalidate_cached_price(command.sku)
            uow.commit()
            return Reply(
                201 if previous is None else 200, body(PriceView.of(command.sku, command.unit_price))
            )

    return run_transaction(attempt, what=f"price setting of {command.sku}")


def set_tax_rate(open_uow: UnitOfWorkFactory, command: SetTaxRate) -> Reply:
    """Admin: the region's tax rate in basis points (201 when new); ``TaxRateChanged`` when it changed."""

    def attempt() -> Reply:
        with open_uow() as uow:
            previous = uow.tax_rates.get(command.region, lock=True)
            if previous != command.rate_bp:
                uow.tax_rates.put(command.region, command.rate_bp)
                uow.outbox.add(TaxRateChanged(command.region, command.rate_bp, previous))
            uow.commit()
            view = TaxRateView(region=command.region, rate_bp=command.rate_bp)
            return Reply(201 if previous is None else 200, body(view))

    return run_transaction(attempt, what=f"tax rate setting of {command.region}")


def set_promotion(open_uow: UnitOfWorkFactory, command: SetPromotion) -> Reply:
    """Admin: create or replace a promotion's terms (201 when new); ``PromotionChanged`` on change.

    The redemptions active quotes hold are kept, so ``max_redemptions`` cannot go below them.
    """

    def attempt() -> Reply:
        with open_uow() as uow:
            promotion = uow.promotions.get(command.code, lock=True)
            created = promotion is None
            if promotion is None:
                promotion = Promotion(command.code, command.terms)
                changed = True
            else:
                try:
                    changed = promotion.redefine(command.terms)
                except RedemptionLimitBelowUse as error:
                    raise Rejection(
                        409,
                        REDEMPTION_LIMIT_BELOW_USE,
                        "Redemption limit below current use",
                        str(error),
                        {"redemptions": error.redemptions},
                    ) from error
            if changed:
                uow.promotions.put(promotion)
                uow.outbox.add(PromotionChanged.of(promotion, created=created))
            uow.commit()
            return Reply(201 if created else 200, body(PromotionView.of(promotion)))

    return run_transaction(attempt, what=f"promotion setting of {command.code}")


def get_price(open_uow: UnitOfWorkFactory, sku: str) -> PriceView:
    with open_uow(read_only=True) as uow:
        unit_price = uow.prices.get(sku)
    if unit_price is None:
        raise NotFound(UNKNOWN_SKU, "Unknown SKU", f"SKU {sku} has no price")
    return PriceView.of(sku, unit_price)


def get_tax_rate(open_uow: UnitOfWorkFactory, region: str) -> TaxRateView:
    with open_uow(read_only=True) as uow:
        rate_bp = uow.tax_rates.get(region)
    if rate_bp is None:
        raise NotFound(UNSUPPORTED_REGION, "Unsupported region", f"no tax rate for region {region}")
    return TaxRateView(region=region, rate_bp=rate_bp)


def get_promotion(open_uow: UnitOfWorkFactory, code: str) -> PromotionView:
    with open_uow(read_only=True) as uow:
        promotion = uow.promotions.get(code)
    if promotion is None:
        raise NotFound(PROMOTION_NOT_FOUND, "Promotion not found", f"no promotion {code}")
    return PromotionView.of(promotion)
