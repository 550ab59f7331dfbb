"""The gateway's settings: documented defaults, GATEWAY_ variables, and secrets that stay secret."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gateway.domain.rollout import Rollout
from gateway.settings import GatewaySettings

KEYS = "shop=shop-key-0123456789"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "GATEWAY_API_KEYS",
        "GATEWAY_DATABASE_URL",
        "DATABASE_URL",
        "GATEWAY_PORT",
        "GATEWAY_HOST",
        "GATEWAY_OPERATE_URL",
        "CAMUNDA_OPERATE_BASE_URL",
        "GATEWAY_PAYMENT_TIMEOUT",
        "GATEWAY_PROCESS_VERSION",
        "GATEWAY_CANARY_PERCENT",
    ):
        monkeypatch.delenv(name, raising=False)


def test_the_defaults_are_the_documented_ones() -> None:
    settings = GatewaySettings(api_keys=KEYS)

    assert settings.database_url.get_secret_value() == "sqlite:///var/gateway.db"
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.operate_url == "http://127.0.0.1:8081"
    assert settings.operate_audience == "operate-api"
    assert settings.payment_timeout is None
    assert settings.recovery_interval_seconds == 5.0
    assert (settings.process_version, settings.canary_percent) == (None, 0)


def test_settings_come_from_gateway_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_API_KEYS", KEYS)
    monkeypatch.setenv("GATEWAY_PORT", "8100")
    monkeypatch.setenv("GATEWAY_PAYMENT_TIMEOUT", "PT4S")
    monkeypatch.setenv("GATEWAY_RECOVERY_INTERVAL_SECONDS", "0.5")

    settings = GatewaySettings()

    assert (settings.port, settings.payment_timeout, settings.recovery_interval_seconds) == (
        8100,
        "PT4S",
        0.5,
    )
    assert settings.keys().client_for("shop-key-0123456789") == "shop"


def test_api_keys_are_required() -> None:
    with pytest.raises(ValidationError, match="api_keys"):
        GatewaySettings()


def test_a_malformed_key_list_is_refused_without_showing_it() -> None:
    with pytest.raises(ValidationError) as refused:
        GatewaySettings(api_keys="shop=tiny-secret")

    assert "tiny-secret" not in str(refused.value)


def test_the_keys_never_appear_in_the_settings_repr() -> None:
    assert "shop-key-0123456789" not in repr(GatewaySettings(api_keys=KEYS))


@pytest.mark.parametrize("duration", ["PT30S", "PT1M30S", "P1D", "PT0.5S"])
def test_the_payment_timeout_is_an_iso_8601_duration(duration: str) -> None:
    assert GatewaySettings(api_keys=KEYS, payment_timeout=duration).payment_timeout == duration


@pytest.mark.parametrize("duration", ["30s", "30", "PT", "P", "PTS"])
def test_anything_else_is_refused_as_payment_timeout(duration: str) -> None:
    with pytest.raises(ValidationError, match="ISO 8601"):
        GatewaySettings(api_keys=KEYS, payment_timeout=duration)


def test_a_claim_must_outlast_a_start_call() -> None:
    with pytest.raises(ValidationError, match="LEASE"):
        GatewaySettings(api_keys=KEYS, start_timeout_seconds=30, recovery_lease_seconds=30)


def test_user_info_is_dropped_from_the_operate_url_before_logging() -> None:
    settings = GatewaySettings(api_keys=KEYS, operate_url="https://user:pw@operate.example/")

    assert settings.safe_operate_url() == "https://operate.example/"


def test_the_rollout_comes_from_gateway_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_PROCESS_VERSION", "4")
    monkeypatch.setenv("GATEWAY_CANARY_PERCENT", "20")

    assert GatewaySettings(api_keys=KEYS).rollout() == Rollout(pinned_version=4, canary_percent=20)


def test_a_canary_without_a_pinned_version_is_refused() -> None:
    with pytest.raises(ValidationError, match="GATEWAY_CANARY_PERCENT needs GATEWAY_PROCESS_VERSION"):
        GatewaySettings(api_keys=KEYS, canary_percent=10)


@pytest.mark.parametrize(("version", "canary"), [(0, 0), (1, 101), (1, -5)])
def test_out_of_range_rollout_settings_are_refused(version: int, canary: int) -> None:
    with pytest.raises(ValidationError):
        GatewaySettings(api_keys=KEYS, process_version=version, canary_percent=canary)


def test_camundas_operate_variable_is_read_when_the_gateways_own_is_not_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CAMUNDA_OPERATE_BASE_URL", "https://operate.example.internal")

    assert GatewaySettings(api_keys=KEYS).operate_url == "https://operate.example.internal"
