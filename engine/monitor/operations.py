"""The monitor's operations, as Operate offers them: retry an incident, cancel an instance, set a variable.

Each is a ``POST /monitor/api/...`` that applies one command through the engine's own command path
(:meth:`engine.service.EngineService.command`, the one the gRPC servicer uses) and answers once it is
durable. The endpoints are ``async``: uvicorn serves the read API on the engine's event loop, where
commands must be applied. Without an engine (a read API over a database alone) they answer 503.

The monitor has no login and binds to 127.0.0.1, so a page of another site must not be able to make
the browser post here: every operation needs the ``X-Requested-With`` header (which a cross-site form
cannot send, and a cross-site ``fetch`` cannot send without a CORS preflight this server never grants)
and, when the browser sends an ``Origin``, one naming this very server.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from engine.read_api.database import ReadDatabase
from engine.runtime.engine import Engine
from engine.runtime.rejections import Rejection, RejectionType
from engine.service import EngineService

T = TypeVar("T")

REQUESTED_WITH = "X-Requested-With"
"""The header the monitor's pages send with every operation (any non-empty value)."""

_STATUS = {
    RejectionType.INVALID_ARGUMENT: 400,
    RejectionType.NOT_FOUND: 404,
    RejectionType.ALREADY_EXISTS: 409,
    RejectionType.INVALID_STATE: 409,
    RejectionType.RESOURCE_EXHAUSTED: 503,
    RejectionType.UNAVAILABLE: 503,
}


class Operation(BaseModel):
    """What an operation answers: it was applied and is durable."""

    operation: str
    key: int
    detail: str


class RetryRequest(BaseModel):
    retries: int = Field(default=1, ge=1, description="Retries the incident's job gets if it has none left")


class SetVariableRequest(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    scope_key: int = Field(description="The process instance key, or an element instance key")
    name: str = Field(min_length=1)
    value: str = Field(description='The new value as JSON text, e.g. 42, "text" or {"a": 1}')


def same_site(
    request: Request, requested_with: Annotated[str | None, Header(alias=REQUESTED_WITH)] = None
) -> None:
    """Refuse (403) what a page of another site could have made the browser send."""
    if not requested_with:
        raise HTTPException(403, f"Operations need the {REQUESTED_WITH} header the monitor's pages send")
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != request.headers.get("host"):
        raise HTTPException(403, f"Operations are accepted from this server's own pages, not from {origin}")


def router(database: ReadDatabase, service: EngineService | None) -> APIRouter:
    routes = APIRouter(prefix="/monitor/api", include_in_schema=False, dependencies=[Depends(same_site)])

    async def apply(command: Callable[[Engine], T], *, exempt: bool = False) -> T:
        if service is None:
            raise HTTPException(503, "Operations need the engine: this read API only reads its database")
        try:
            return await service.command(command, exempt_from_backpressure=exempt)
        except Rejection as rejection:
            raise HTTPException(_STATUS[rejection.type], rejection.reason) from rejection

    def state_of(table: str, key: int) -> str | None:
        """The state the history has for ``key`` (to tell "ended" (409) from "never existed" (404))."""
        with database.snapshot() as db:
            row = db.execute(f"SELECT state FROM {table} WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    @routes.post("/incidents/{key}/retry")
    async def retry_incident(key: int, body: RetryRequest | None = None) -> Operation:
        """Give the job of the incident retries (if it had none left) and resolve the incident."""
        if state_of("incidents", key) == "RESOLVED":
            raise HTTPException(409, f"Incident {key} is already resolved")
        retries = (body or RetryRequest()).retries
        await apply(lambda engine: engine.retry_incident(key, retries))
        return Operation(operation="RESOLVE_INCIDENT", key=key, detail=f"Incident {key} resolved")

    @routes.post("/instances/{key}/cancel")
    async def cancel_instance(key: int) -> Operation:
        state = state_of("process_instances", key)
        if state is not None and state != "ACTIVE":
            raise HTTPException(409, f"Process instance {key} is already {state.lower()}")
        await apply(lambda engine: engine.cancel_instance(key), exempt=True)
        return Operation(
            operation="CANCEL_PROCESS_INSTANCE", key=key, detail=f"Process instance {key} canceled"
        )

    @routes.post("/instances/{key}/variables")
    async def set_variable(key: int, body: SetVariableRequest) -> Operation:
        """Set one variable in the given scope of instance ``key`` (locally: the scope keeps it)."""
        try:
            value: Any = json.loads(body.value)
        except json.JSONDecodeError as error:
            raise HTTPException(400, f"The value is not JSON: {error}") from error
        state = state_of("process_instances", key)
        if state is not None and state != "ACTIVE":
            raise HTTPException(
                409, f"Process instance {key} is {state.lower()}: its variables cannot change"
            )

        def set_in_scope(engine: Engine) -> int:
            if engine.p.element_owner.get(body.scope_key) != key:
                raise Rejection(
                    "UPDATE",
                    RejectionType.NOT_FOUND,
                    f"Expected to update variables for element with key '{body.scope_key}', but no such "
                    f"element is active in process instance {key}",
                )
            return engine.set_variables(body.scope_key, {body.name: value}, local=True)

        await apply(set_in_scope)
        return Operation(
            operation="SET_VARIABLE", key=key, detail=f"Variable {body.name} set in scope {body.scope_key}"
        )

    return routes
