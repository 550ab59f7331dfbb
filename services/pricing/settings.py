"""Pricing configuration, from ``PRICING_*`` environment variables (see ``ServiceSettings``).

Besides the kit's settings: the optional Redis price cache. Without ``PRICING_REDIS_URL`` there is no
cache and quotes read prices from the database, so the service runs with no server at all.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from services.common.settings import ServiceSettings, database_url_field, port_field, service_settings_config

ENV_PREFIX = "PRICING_"


class PricingSettings(ServiceSettings):
    model_config = service_settings_config(ENV_PREFIX)

    database_url: SecretStr = database_url_field("pricing", ENV_PREFIX)
    port: int = port_field(8102)
    redis_url: SecretStr | None = Field(
        default=None,
        description=(
            "Redis URL of the price cache (PRICING_REDIS_URL, e.g. redis://127.0.0.1:6379/0); unset or "
            "empty: no cache. A secret: it may hold a password."
        ),
    )
    cache_ttl_seconds: int = Field(
        default=300,
        ge=1,
        le=86_400,
        description="How long a cached unit price lives (PRICING_CACHE_TTL_SECONDS).",
    )
    cache_prefix: str = Field(
        default="pricing:",
        min_length=1,
        max_length=100,
        description="Prefix of every Redis key of the cache (PRICING_CACHE_PREFIX): one per deployment or test.",
    )
    redis_timeout_seconds: float = Field(
        default=0.5,
        gt=0,
        le=10,
        description=(
            "Connect and read timeout of a Redis call (PRICING_REDIS_TIMEOUT_SECONDS); past it the quote "
            "reads the database instead."
        ),
    )

    @field_validator("redis_url", mode="before")
    @classmethod
    def _empty_means_unset(cls, value: object) -> object:
        """``PRICING_REDIS_URL=`` (an empty variable, as compose files write it) means no cache."""
        if value == "" or (isinstance(value, SecretStr) and value.get_secret_value() == ""):
            return None
        return value
