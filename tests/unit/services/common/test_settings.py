"""Settings: documented defaults, the environment wins, the database URL is a secret."""

from __future__ import annotations

import pytest

from services.inventory.settings import InventorySettings
from services.payment_provider.settings import ProviderSettings


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "INVENTORY_DATABASE_URL", "INVENTORY_PORT", "INVENTORY_HOST"):
        monkeypatch.delenv(name, raising=False)


def test_defaults_run_without_any_server() -> None:
    settings = InventorySettings()
    assert settings.database_url.get_secret_value() == "sqlite:///var/inventory.db"
    assert (settings.host, settings.port) == ("127.0.0.1", 8104)
    assert settings.migrate_on_startup
    provider = ProviderSettings()
    assert provider.database_url.get_secret_value() == "sqlite:///var/payment_provider.db"
    assert (provider.port, provider.timeout_token_delay_seconds, provider.error_rate) == (8110, 60.0, 0.0)


def test_the_prefixed_variable_wins_over_plain_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://plain@db/plain")
    assert InventorySettings().database_url.get_secret_value() == "postgresql://plain@db/plain"
    monkeypatch.setenv("INVENTORY_DATABASE_URL", "postgresql://own@db/inventory")
    monkeypatch.setenv("INVENTORY_PORT", "9000")
    settings = InventorySettings()
    assert settings.database_url.get_secret_value() == "postgresql://own@db/inventory"
    assert settings.port == 9000


def test_the_database_password_never_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INVENTORY_DATABASE_URL", "postgresql://saga:hunter2@db:5432/inventory")
    settings = InventorySettings()
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in str(settings.model_dump())
    assert settings.safe_database_url() == "postgresql://saga:***@db:5432/inventory"


def test_provider_api_key_is_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROVIDER_API_KEY", "sk_test_hidden")
    monkeypatch.setenv("PROVIDER_LATENCY_MS", "25")
    settings = ProviderSettings()
    assert settings.api_key is not None
    assert settings.api_key.get_secret_value() == "sk_test_hidden"
    assert "sk_test_hidden" not in repr(settings)
    assert settings.latency_ms == 25
