"""Each test of the connection settings starts from an environment without Camunda's variables."""

from __future__ import annotations

import pytest

CAMUNDA_VARIABLES = (
    "ZEEBE_ADDRESS",
    "ZEEBE_GRPC_ADDRESS",
    "ZEEBE_CLIENT_ID",
    "CAMUNDA_CLIENT_ID",
    "ZEEBE_CLIENT_SECRET",
    "CAMUNDA_CLIENT_SECRET",
    "ZEEBE_AUTHORIZATION_SERVER_URL",
    "CAMUNDA_OAUTH_URL",
    "CAMUNDA_CLUSTER_ID",
    "CAMUNDA_CLUSTER_REGION",
    "ZEEBE_TOKEN_AUDIENCE",
    "CAMUNDA_TOKEN_AUDIENCE",
    "ZEEBE_CA_CERTIFICATE_PATH",
    "CAMUNDA_CA_CERTIFICATE_PATH",
    "ZEEBE_INSECURE_CONNECTION",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CAMUNDA_VARIABLES:
        monkeypatch.delenv(name, raising=False)
