"""API-key authentication: ``Authorization: Bearer <key>``, each key belonging to one client.

Missing, malformed or unknown keys all answer 401 ``AUTHENTICATION_REQUIRED`` with
``WWW-Authenticate: Bearer`` (and ``error="invalid_token"`` when a key was presented). The presented
key is compared in constant time (:class:`gateway.domain.api_keys.ApiKeys`) and never logged.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.domain.api_keys import ApiKeys
from services.common.problem_handlers import problem_response
from services.common.problems import Problem

AUTHENTICATION_REQUIRED = "AUTHENTICATION_REQUIRED"

_bearer = HTTPBearer(auto_error=False, description="An API key issued to your client (GATEWAY_API_KEYS).")


class Unauthenticated(Exception):
    def __init__(self, presented: bool) -> None:
        super().__init__("authentication required")
        self.presented = presented


async def _unauthenticated(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Unauthenticated)
    detail = (
        "The API key is not valid."
        if exc.presented
        else "Send your API key as 'Authorization: Bearer <key>'."
    )
    challenge = 'Bearer error="invalid_token"' if exc.presented else "Bearer"
    problem = Problem(401, AUTHENTICATION_REQUIRED, "Authentication required", detail, request.url.path)
    return problem_response(problem, headers={"WWW-Authenticate": challenge})


def install_authentication(app: FastAPI, keys: ApiKeys) -> None:
    app.state.api_keys = keys
    app.add_exception_handler(Unauthenticated, _unauthenticated)


def authenticated_client(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> str:
    """Dependency: the id of the client whose key the request carries."""
    if credentials is None:
        presented = bool(request.headers.get("Authorization"))
        raise Unauthenticated(presented)
    keys: ApiKeys = request.app.state.api_keys
    client = keys.client_for(credentials.credentials)
    if client is None:
        raise Unauthenticated(presented=True)
    return client


ClientId = Annotated[str, Depends(authenticated_client)]
