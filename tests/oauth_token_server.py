"""An OAuth 2.0 token endpoint for tests (client credentials grant), served over real HTTP.

It stands where Keycloak or Camunda SaaS's login service would: records every token request's form
(with the client credentials, whether sent in the form or as HTTP Basic), hands out numbered bearer
tokens, and refuses a wrong client secret (or everything, when told to).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote_plus

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.unit.services.support import LiveServer


@dataclass
class TokenServer:
    """Hands out ``token-<n>`` with the given lifetime to ``client_secret`` (any secret when None)."""

    lifetime: int = 300
    refuse: bool = False
    client_secret: str | None = None
    requests: list[dict[str, str]] = field(default_factory=list)

    @property
    def issued(self) -> set[str]:
        return {f"token-{n}" for n in range(1, len(self.requests) + 1)}

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/oauth/token")
        async def token(request: Request) -> JSONResponse:
            form = {name: values[0] for name, values in parse_qs((await request.body()).decode()).items()}
            form.update(basic_credentials(request.headers.get("authorization")))
            self.requests.append(form)
            wrong_secret = self.client_secret is not None and form.get("client_secret") != self.client_secret
            if self.refuse or wrong_secret:
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            return JSONResponse(
                {
                    "access_token": f"token-{len(self.requests)}",
                    "token_type": "Bearer",
                    "expires_in": self.lifetime,
                }
            )

        return app


def basic_credentials(authorization: str | None) -> dict[str, str]:
    """``client_id``/``client_secret`` from HTTP Basic authentication (RFC 6749 2.3.1: clients may send
    them so instead of in the form, and requests-oauthlib does)."""
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        return {}
    client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
    return {"client_id": unquote_plus(client_id), "client_secret": unquote_plus(secret)}


@contextmanager
def token_endpoint(server: TokenServer, tls: tuple[Path, Path] | None = None) -> Iterator[str]:
    """Serve ``server`` (over HTTPS given ``tls``: certificate and key files); the token URL."""
    with LiveServer(server.app(), tls=tls) as live:
        yield f"{live.url}/oauth/token"
