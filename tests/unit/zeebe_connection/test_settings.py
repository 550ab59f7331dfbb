"""Which Zeebe the stack talks to is decided by Camunda's own environment variables alone."""

from __future__ import annotations

import pytest

from zeebe_connection import ZeebeSettings


def test_with_nothing_set_it_is_the_local_engine_in_plaintext() -> None:
    settings = ZeebeSettings()

    assert (settings.address, settings.kind()) == ("127.0.0.1:26500", "plaintext")


def test_zeebe_address_alone_switches_to_another_gateway(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZEEBE_ADDRESS", "zeebe.example.internal:26500")

    assert ZeebeSettings().describe() == "zeebe.example.internal:26500 (plaintext)"


def test_client_credentials_mean_oauth_to_a_self_managed_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZEEBE_ADDRESS", "zeebe.example.internal:443")
    monkeypatch.setenv("ZEEBE_CLIENT_ID", "workers")
    monkeypatch.setenv("ZEEBE_CLIENT_SECRET", "s3cret")

    assert ZeebeSettings().kind() == "oauth"


def test_a_cluster_id_with_credentials_means_camunda_saas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZEEBE_CLIENT_ID", "workers")
    monkeypatch.setenv("ZEEBE_CLIENT_SECRET", "s3cret")
    monkeypatch.setenv("CAMUNDA_CLUSTER_ID", "abc-123")

    assert ZeebeSettings().describe() == "Camunda SaaS cluster abc-123 (bru-2)"


def test_the_secret_never_shows_in_the_settings_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZEEBE_CLIENT_ID", "workers")
    monkeypatch.setenv("ZEEBE_CLIENT_SECRET", "s3cret")

    assert "s3cret" not in repr(ZeebeSettings())


def test_camunda_names_configure_oauth_to_a_self_managed_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZEEBE_ADDRESS", "zeebe.example.internal:443")
    monkeypatch.setenv("CAMUNDA_CLIENT_ID", "workers")
    monkeypatch.setenv("CAMUNDA_CLIENT_SECRET", "s3cret")
    monkeypatch.setenv("CAMUNDA_OAUTH_URL", "https://keycloak.example.internal/token")

    settings = ZeebeSettings()

    assert (settings.kind(), settings.authorization_server_url) == (
        "oauth",
        "https://keycloak.example.internal/token",
    )


def test_a_ca_certificate_without_credentials_means_tls_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZEEBE_CA_CERTIFICATE_PATH", "/etc/ssl/private-ca.pem")

    assert ZeebeSettings().kind() == "tls"


def test_an_insecure_connection_sends_the_oauth_token_over_plaintext(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMUNDA_CLIENT_ID", "workers")
    monkeypatch.setenv("ZEEBE_INSECURE_CONNECTION", "true")

    assert ZeebeSettings().kind() == "oauth-plaintext"


def test_the_self_managed_audience_defaults_to_zeebe_api(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ZeebeSettings().self_managed_audience() == "zeebe-api"

    monkeypatch.setenv("CAMUNDA_TOKEN_AUDIENCE", "zeebe.example")

    assert ZeebeSettings().self_managed_audience() == "zeebe.example"
