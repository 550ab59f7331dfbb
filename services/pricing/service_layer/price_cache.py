"""The price cache as the use cases see it: read-through per SKU, invalidated after a price changes.

The service layer knows only :class:`PriceCache`; the Redis implementation lives in
``adapters/redis_cache.py`` and :class:`NoPriceCache` is what runs when no cache is configured. A
cache may only ever make a read cheaper: whatever it answers must be what the database would have
answered after the last committed price change, and when it cannot be sure it asks the database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from services.common.money import Money

PriceLoader = Callable[[Sequence[str]], dict[str, Money]]
"""Reads the unit prices of some SKUs from the database (those without a price are left out)."""


class PriceCache(Protocol):
    def unit_prices(self, skus: Sequence[str], load: PriceLoader) -> dict[str, Money]:
        """The unit prices of ``skus`` that have one: cached ones as cached, the rest from ``load``."""
        ...

    def invalidate(self, sku: str) -> None:
        """Forget the SKU's cached price; called once the transaction that changed it has committed."""
        ...

    def close(self) -> None:
        """Release connections at shutdown."""
        ...


class NoPriceCache:
    """No cache configured: every read goes to the database."""

    def unit_prices(self, skus: Sequence[str], load: PriceLoader) -> dict[str, Money]:
        return load(sorted(set(skus)))

    def invalidate(self, sku: str) -> None:
        """Nothing is cached, so nothing can be stale."""

    def close(self) -> None:
        """No connections to release."""
