"""Pricing settings: its own port and database by default, no cache unless a Redis URL is given."""

from __future__ import annotations

import pytest

from services.pricing.entrypoints.app import price_cache
from services.pricing.service_layer.price_cache import NoPriceCache
from services.pricing.settings import PricingSettings

VARIABLES = (
    "DATABASE_URL",
    "PRICING_DATABASE_URL",
    "PRICING_PORT",
    "PRICING_REDIS_URL",
    "PRICING_CACHE_TTL_SECONDS",
    "PRICING_CACHE_PREFIX",
    "PRICING_REDIS_TIMEOUT_SECONDS",
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_defaults_need_no_server_at_all() -> None:
    settings = PricingSettings()
    assert settings.database_url.get_secret_value() == "sqlite:///var/pricing.db"
    assert (settings.host, settings.port) == ("127.0.0.1", 8102)
    assert (settings.redis_url, settings.cache_ttl_seconds, settings.cache_prefix) == (None, 300, "pricing:")
    assert isinstance(price_cache(settings), NoPriceCache)


def test_the_cache_comes_from_the_environment_and_its_url_stays_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PRICING_REDIS_URL", "redis://:hunter2@127.0.0.1:6379/0")
    monkeypatch.setenv("PRICING_CACHE_TTL_SECONDS", "60")
    monkeypatch.setenv("PRICING_CACHE_PREFIX", "test:pricing:")
    settings = PricingSettings()
    assert settings.redis_url is not None
    assert "hunter2" not in repr(settings)
    assert (settings.cache_ttl_seconds, settings.cache_prefix) == (60, "test:pricing:")


def test_an_empty_redis_url_means_no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRICING_REDIS_URL", "")
    assert PricingSettings().redis_url is None


@pytest.mark.parametrize(
    ("name", "value"), [("PRICING_CACHE_TTL_SECONDS", "0"), ("PRICING_CACHE_PREFIX", "")]
)
def test_a_useless_cache_setting_is_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name.removeprefix("PRICING_").lower()):
        PricingSettings()
