"""Payment settings: ``PAYMENT_*`` variables, the provider's URL, key and timeout, the claim lease."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.payment.settings import PaymentSettings


def test_defaults_match_the_port_table_and_the_local_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PAYMENT_DATABASE_URL", "DATABASE_URL", "PAYMENT_PROVIDER_URL", "PAYMENT_PROVIDER_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    settings = PaymentSettings()
    assert (settings.host, settings.port) == ("127.0.0.1", 8103)
    assert settings.database_url.get_secret_value() == "sqlite:///var/payment.db"
    assert settings.provider_url == "http://127.0.0.1:8110"
    assert (settings.provider_api_key, settings.provider_timeout_seconds) == (None, 5.0)


def test_the_provider_settings_come_from_payment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYMENT_PROVIDER_URL", "http://provider.test:9000")
    monkeypatch.setenv("PAYMENT_PROVIDER_API_KEY", "sk_test_hidden")
    monkeypatch.setenv("PAYMENT_PROVIDER_TIMEOUT_SECONDS", "2.5")
    settings = PaymentSettings()
    assert settings.provider_url == "http://provider.test:9000"
    assert settings.provider_timeout_seconds == 2.5
    assert settings.provider_api_key is not None
    assert settings.provider_api_key.get_secret_value() == "sk_test_hidden"
    assert "sk_test_hidden" not in repr(settings)
    assert "sk_test_hidden" not in str(settings.model_dump())


def test_the_claim_lease_must_outlast_two_provider_calls() -> None:
    with pytest.raises(ValidationError, match="claim_lease_seconds"):
        PaymentSettings(provider_timeout_seconds=10, claim_lease_seconds=20)
    assert PaymentSettings(provider_timeout_seconds=10, claim_lease_seconds=21).claim_lease_seconds == 21
    with pytest.raises(ValidationError):
        PaymentSettings(provider_timeout_seconds=0)
