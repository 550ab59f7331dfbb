"""Camunda SaaS: the channel is pyzeebe's Camunda Cloud channel, given the cluster, its region and the
OAuth client the settings name (Camunda's token URL and audience unless told otherwise).

pyzeebe's factory is replaced by a recorder here: the real one dials ``<cluster>.<region>.zeebe.camunda.io``,
which no test can reach.
"""

from __future__ import annotations

from typing import Any

import pytest

from zeebe_connection import ZeebeSettings, channel
from zeebe_connection.oauth import SAAS_TOKEN_URL


@pytest.fixture
def created(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def record(**arguments: Any) -> object:
        calls.append(arguments)
        return object()

    monkeypatch.setattr(channel, "create_camunda_cloud_channel", record)
    return calls


def saas(**overrides: str) -> ZeebeSettings:
    return ZeebeSettings.model_validate(
        {
            "ZEEBE_CLIENT_ID": "workers",
            "ZEEBE_CLIENT_SECRET": "s3cret",
            "CAMUNDA_CLUSTER_ID": "abc-123",
            **overrides,
        }
    )


def test_a_saas_cluster_gets_camundas_channel_with_its_region_token_url_and_audience(
    created: list[dict[str, Any]],
) -> None:
    channel.open_channel(saas(CAMUNDA_CLUSTER_REGION="jfk-1"))

    assert created == [
        {
            "client_id": "workers",
            "client_secret": "s3cret",
            "cluster_id": "abc-123",
            "region": "jfk-1",
            "authorization_server": SAAS_TOKEN_URL,
            "audience": "zeebe.camunda.io",
        }
    ]


def test_a_saas_token_url_and_audience_given_in_the_environment_are_used(
    created: list[dict[str, Any]],
) -> None:
    channel.open_channel(
        saas(
            CAMUNDA_OAUTH_URL="https://login.example.com/oauth/token",
            CAMUNDA_TOKEN_AUDIENCE="zeebe.example.com",
        )
    )

    ((arguments),) = created
    assert (arguments["authorization_server"], arguments["audience"], arguments["region"]) == (
        "https://login.example.com/oauth/token",
        "zeebe.example.com",
        "bru-2",
    )
