"""OAuth client credentials for Operate on a real Camunda 8: one token, reused until shortly before it expires.

The credentials are Zeebe's (``ZEEBE_CLIENT_ID``/``ZEEBE_CLIENT_SECRET`` at
``ZEEBE_AUTHORIZATION_SERVER_URL``, or their ``CAMUNDA_*`` names), with Operate's audience. A lock makes
concurrent requests that find no valid token wait for one token request instead of each sending their own.

It lives here, next to the gRPC channel set-up, because every component that talks to Camunda with
those credentials needs it: the gateway reads checkouts from Operate, and the ``checkout-saga incidents``
command finds open incidents there (``checkout_saga`` may import this package but not the gateway).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
from pydantic import SecretStr

from zeebe_connection.settings import ZeebeSettings

SAAS_TOKEN_URL = "https://login.cloud.camunda.io/oauth/token"
DEFAULT_LIFETIME_SECONDS = 300.0
EXPIRY_MARGIN_SECONDS = 30.0


class TokenUnavailable(Exception):
    """The authorization server did not hand out a token; safe to log (no secret in it)."""


class ClientCredentials:
    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: SecretStr,
        audience: str,
        http: httpx.AsyncClient,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._audience = audience
        self._http = http
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def authorization(self) -> str:
        """The ``Authorization`` header value: ``Bearer <token>``, fetched only when needed."""
        async with self._lock:
            if self._token is None or self._clock() >= self._expires_at:
                await self._fetch()
            assert self._token is not None
            return f"Bearer {self._token}"

    def invalidate(self) -> None:
        """Forget the token (Operate refused it): the next call fetches a new one."""
        self._token = None

    async def _fetch(self) -> None:
        started = self._clock()
        try:
            response = await self._http.post(
                self._token_url,
                data={
                    "grant_type": "client_credentials",
                    "client_id": self._client_id,
                    "client_secret": self._client_secret.get_secret_value(),
                    "audience": self._audience,
                },
            )
        except httpx.HTTPError as error:
            raise TokenUnavailable(f"token request failed: {type(error).__name__}") from None
        if response.status_code != 200:
            raise TokenUnavailable(f"token request answered {response.status_code}")
        try:
            document = response.json()
            token = document["access_token"]
            lifetime = float(document.get("expires_in", DEFAULT_LIFETIME_SECONDS))
        except (ValueError, KeyError, TypeError):
            raise TokenUnavailable("token response is not an OAuth token") from None
        if not isinstance(token, str) or not token:
            raise TokenUnavailable("token response is not an OAuth token")
        self._token = token
        # Renew a little early so no request goes out with a token about to expire on the way.
        self._expires_at = started + max(lifetime - EXPIRY_MARGIN_SECONDS, lifetime / 2)


def credentials_for(zeebe: ZeebeSettings, audience: str, http: httpx.AsyncClient) -> ClientCredentials | None:
    """Client credentials for Operate when Zeebe is reached with OAuth; None for the local engine."""
    if zeebe.kind() == "plaintext" or zeebe.client_id is None:
        return None
    token_url = zeebe.authorization_server_url or (SAAS_TOKEN_URL if zeebe.kind() == "saas" else None)
    if token_url is None:
        raise ValueError("ZEEBE_AUTHORIZATION_SERVER_URL is required with ZEEBE_CLIENT_ID")
    return ClientCredentials(token_url, zeebe.client_id, zeebe.client_secret or SecretStr(""), audience, http)
