"""Pricing's unit of work: the kit's stores, the repositories, and the price cache around the prices.

Quotes read unit prices through :meth:`PricingUnitOfWork.unit_prices` (the cache, falling back to the
database in this transaction). A use case that changes a price says so with
:meth:`PricingUnitOfWork.invalidate_cached_price`; the cache entry goes only once :meth:`commit` has
succeeded, so no reader can refill it from the database with the old price after the invalidation.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from services.common.database import Database
from services.common.money import Money
from services.common.uow import UnitOfWork
from services.pricing.adapters.repository import (
    PriceRepository,
    PromotionRepository,
    QuoteRepository,
    TaxRateRepository,
)
from services.pricing.service_layer.price_cache import NoPriceCache, PriceCache


class PricingUnitOfWork(UnitOfWork):
    prices: PriceRepository
    tax_rates: TaxRateRepository
    promotions: PromotionRepository
    quotes: QuoteRepository

    def __init__(
        self, database: Database, price_cache: PriceCache | None = None, *, read_only: bool = False
    ) -> None:
        super().__init__(database, read_only=read_only)
        self._price_cache = price_cache or NoPriceCache()
        self._changed_prices: set[str] = set()

    def _bind(self, session: Session) -> None:
        self.prices = PriceRepository(session)
        self.tax_rates = TaxRateRepository(session)
        self.promotions = PromotionRepository(session)
        self.quotes = QuoteRepository(session)

    def unit_prices(self, skus: Sequence[str]) -> dict[str, Money]:
        """The current unit prices of those of ``skus`` that have one, through the price cache."""
        return self._price_cache.unit_prices(skus, self.prices.unit_prices)

    def invalidate_cached_price(self, sku: str) -> None:
        """The SKU's cached price must go once this transaction commits (nothing happens before)."""
        self._changed_prices.add(sku)

    def commit(self) -> None:
        super().commit()
        changed, self._changed_prices = sorted(self._changed_prices), set()
        for sku in changed:
            self._price_cache.invalidate(sku)
