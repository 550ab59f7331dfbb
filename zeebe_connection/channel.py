"""Open the gRPC channel the settings call for, through pyzeebe's own channel factories."""

from __future__ import annotations

import grpc
from pyzeebe import (
    create_camunda_cloud_channel,
    create_insecure_channel,
    create_oauth2_client_credentials_channel,
)

from zeebe_connection.settings import ZeebeSettings


def open_channel(settings: ZeebeSettings | None = None) -> grpc.aio.Channel:
    """A channel to the local engine (plaintext), a self-managed cluster (OAuth) or Camunda SaaS."""
    settings = settings or ZeebeSettings()
    kind = settings.kind()
    if kind == "plaintext":
        return create_insecure_channel(grpc_address=settings.address)
    assert settings.client_id is not None
    secret = settings.client_secret.get_secret_value() if settings.client_secret else ""
    if kind == "saas":
        assert settings.cluster_id is not None
        return create_camunda_cloud_channel(
            client_id=settings.client_id,
            client_secret=secret,
            cluster_id=settings.cluster_id,
            region=settings.cluster_region,
            authorization_server=settings.authorization_server_url
            or "https://login.cloud.camunda.io/oauth/token",
            audience=settings.token_audience or "zeebe.camunda.io",
        )
    if settings.authorization_server_url is None:
        raise ValueError("ZEEBE_AUTHORIZATION_SERVER_URL is required with ZEEBE_CLIENT_ID")
    return create_oauth2_client_credentials_channel(
        grpc_address=settings.address,
        client_id=settings.client_id,
        client_secret=secret,
        authorization_server=settings.authorization_server_url,
        audience=settings.token_audience,
    )
