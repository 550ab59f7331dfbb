"""Open the gRPC channel the settings call for: pyzeebe's own channel factories where they fit, and a
bearer-token interceptor for OAuth over plaintext, which gRPC's call credentials do not allow."""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import Any

import grpc
import httpx
from pydantic import SecretStr
from pyzeebe import (
    create_camunda_cloud_channel,
    create_insecure_channel,
    create_oauth2_client_credentials_channel,
    create_secure_channel,
)

from zeebe_connection.oauth import SAAS_TOKEN_URL, ClientCredentials, TokenUnavailable, credentials_for
from zeebe_connection.settings import ZeebeSettings

SAAS_AUDIENCE = "zeebe.camunda.io"


def open_channel(settings: ZeebeSettings | None = None) -> grpc.aio.Channel:
    """A channel to the local engine (plaintext), a self-managed cluster (TLS, with or without OAuth,
    or OAuth over plaintext) or Camunda SaaS."""
    settings = settings or ZeebeSettings()
    kind = settings.kind()
    if kind == "plaintext":
        return create_insecure_channel(grpc_address=settings.address)
    if kind == "tls":
        return create_secure_channel(grpc_address=settings.address, channel_credentials=_tls(settings))
    assert settings.client_id is not None
    secret = (settings.client_secret or SecretStr("")).get_secret_value()
    if kind == "saas":
        assert settings.cluster_id is not None
        return create_camunda_cloud_channel(
            client_id=settings.client_id,
            client_secret=secret,
            cluster_id=settings.cluster_id,
            region=settings.cluster_region,
            authorization_server=settings.authorization_server_url or SAAS_TOKEN_URL,
            audience=settings.token_audience or SAAS_AUDIENCE,
        )
    if settings.authorization_server_url is None:
        raise ValueError("CAMUNDA_OAUTH_URL (or ZEEBE_AUTHORIZATION_SERVER_URL) is required with a client id")
    if kind == "oauth-plaintext":
        token = credentials_for(settings, settings.self_managed_audience(), httpx.AsyncClient(timeout=10.0))
        assert token is not None  # a client id and a token URL, checked above
        return grpc.aio.insecure_channel(settings.address, interceptors=bearer_token_interceptors(token))
    return create_oauth2_client_credentials_channel(
        grpc_address=settings.address,
        client_id=settings.client_id,
        client_secret=secret,
        authorization_server=settings.authorization_server_url,
        audience=settings.self_managed_audience(),
        channel_credentials=_tls(settings),
    )


def _tls(settings: ZeebeSettings) -> grpc.ChannelCredentials:
    return grpc.ssl_channel_credentials(root_certificates=settings.root_certificates())


class _BearerToken:
    """Puts ``authorization: Bearer <token>`` on a call.

    A token that cannot be had fails the call as UNAVAILABLE, as pyzeebe's TLS channel does, so
    workers and the gateway treat it like an unreachable gateway: back off and try again.
    """

    def __init__(self, credentials: ClientCredentials) -> None:
        self._credentials = credentials

    async def _authorised(self, details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        try:
            authorization = await self._credentials.authorization()
        except TokenUnavailable as error:
            raise grpc.aio.AioRpcError(
                grpc.StatusCode.UNAVAILABLE,
                grpc.aio.Metadata(),
                grpc.aio.Metadata(),
                details=f"no OAuth token: {error}",
                debug_error_string=None,
            ) from None
        metadata = grpc.aio.Metadata(*(details.metadata or ()))
        metadata.add("authorization", authorization)
        return grpc.aio.ClientCallDetails(
            details.method, details.timeout, metadata, details.credentials, details.wait_for_ready
        )


class _UnaryBearerToken(_BearerToken, grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[type-arg]
    async def intercept_unary_unary(
        self, continuation: Any, details: grpc.aio.ClientCallDetails, request: Any
    ) -> Any:
        return await continuation(await self._authorised(details), request)


class _StreamBearerToken(_BearerToken, grpc.aio.UnaryStreamClientInterceptor):  # type: ignore[type-arg]
    async def intercept_unary_stream(
        self, continuation: Any, details: grpc.aio.ClientCallDetails, request: Any
    ) -> AsyncIterable[Any]:
        return await continuation(await self._authorised(details), request)  # type: ignore[no-any-return]


def bearer_token_interceptors(credentials: ClientCredentials) -> list[Any]:
    """One interceptor per call shape: gRPC files an interceptor under the first shape it implements
    only, so one object for both would never see the ActivateJobs stream."""
    return [_UnaryBearerToken(credentials), _StreamBearerToken(credentials)]
