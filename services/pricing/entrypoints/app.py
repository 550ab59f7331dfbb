"""Pricing's FastAPI app: the kit's app, plus the price cache (Redis when configured)."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from services.common.app import create_service_app
from services.common.lifespan import close_at_shutdown
from services.pricing.adapters.redis_cache import RedisPriceCache
from services.pricing.entrypoints.routes import router
from services.pricing.service_layer.price_cache import NoPriceCache, PriceCache
from services.pricing.settings import PricingSettings

log = logging.getLogger(__name__)


def price_cache(settings: PricingSettings) -> PriceCache:
    """Redis when ``PRICING_REDIS_URL`` is set, else no cache (the URL itself is never logged)."""
    if settings.redis_url is None:
        log.info("price cache: none (PRICING_REDIS_URL unset); quotes read prices from the database")
        return NoPriceCache()
    log.info("price cache: Redis, key prefix %r, TTL %d s", settings.cache_prefix, settings.cache_ttl_seconds)
    return RedisPriceCache.from_url(
        settings.redis_url.get_secret_value(),
        prefix=settings.cache_prefix,
        ttl_seconds=settings.cache_ttl_seconds,
        timeout_seconds=settings.redis_timeout_seconds,
    )


def create_app(settings: PricingSettings | None = None) -> FastAPI:
    config = settings or PricingSettings()
    app = create_service_app(
        config,
        package="services.pricing",
        title="Pricing",
        description=(
            "Unit prices, promotions and tax rates per region; one quote per checkout with its prices "
            "locked, its promotion redeemed and its tax computed in integer minor units; voids."
        ),
        routers=[router],
    )
    cache = price_cache(config)
    app.state.price_cache = cache
    close_at_shutdown(app, cache.close)
    return app
