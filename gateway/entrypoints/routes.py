"""Routes of the gateway API (``/v1``). Handlers are async: they await Zeebe and Operate, and run the
synchronous database work in the thread pool."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from gateway.entrypoints.auth import ClientId
from gateway.entrypoints.schemas import CheckoutBody
from gateway.service_layer import queries, waiting
from gateway.service_layer.context import GatewayContext
from gateway.service_layer.start import IdempotentStart, start_checkout
from gateway.service_layer.views import (
    CheckoutDocument,
    CheckoutLifecycle,
    CheckoutPage,
    body,
    recorded_document,
)
from services.common.api_types import IDENTIFIER_PATTERN
from services.common.idempotency.fingerprint import request_fingerprint
from services.common.web import REPLAYED_HEADER, IdempotencyKey, problem_responses

router = APIRouter(prefix="/v1", tags=["checkouts"])

MAX_WAIT_SECONDS = 30
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def context(request: Request) -> GatewayContext:
    """Dependency: the use cases' context, built by the app's lifespan."""
    ctx = request.app.state.context
    assert isinstance(ctx, GatewayContext)
    return ctx


Ctx = Annotated[GatewayContext, Depends(context)]
CheckoutId = Annotated[str, Path(description="The checkout's id (a UUID).")]


def location(checkout_id: str) -> str:
    return f"/v1/checkouts/{checkout_id}"


@router.post(
    "/checkouts",
    status_code=202,
    response_model=CheckoutDocument,
    responses=problem_responses(401, 409, 422, 503),
    summary="Start a checkout",
)
async def post_checkout(
    request: Request, checkout: CheckoutBody, key: IdempotencyKey, client: ClientId, ctx: Ctx
) -> JSONResponse:
    """202 with the checkout and its `Location`: RUNNING once its process instance started, PENDING
    when Zeebe could not be reached (it is started as soon as Zeebe answers). The same key and body
    again answer the same checkout (`Idempotent-Replayed: true`); the same key with another body is
    409 `IDEMPOTENCY_KEY_REUSED`. Keys are per client."""
    fingerprint = request_fingerprint(request.method, request.url.path, checkout.model_dump(mode="json"))
    started = await start_checkout(
        ctx, IdempotentStart(client, key, fingerprint), checkout.to_request(), checkout.payment_token
    )
    headers = {"Location": location(started.checkout.id)}
    if started.replayed:
        headers[REPLAYED_HEADER] = "true"
    return JSONResponse(body(recorded_document(started.checkout)), status_code=202, headers=headers)


@router.get(
    "/checkouts/{checkout_id}",
    response_model=CheckoutDocument,
    responses=problem_responses(401, 404, 422, 503),
    summary="A checkout, its status and timeline (optionally waiting until it settles)",
)
async def get_checkout(
    checkout_id: CheckoutId,
    client: ClientId,
    ctx: Ctx,
    wait: Annotated[
        float,
        Query(
            ge=0,
            le=MAX_WAIT_SECONDS,
            description=(
                "Seconds to wait for the checkout to become COMPLETED, COMPENSATED or FAILED; "
                "answered as soon as it does, or with the current document when the time is up."
            ),
        ),
    ] = 0,
) -> CheckoutDocument:
    if wait > 0:
        return await waiting.wait_for_document(ctx, client, checkout_id, wait)
    return await queries.checkout_document(ctx, client, checkout_id)


@router.get(
    "/checkouts/{checkout_id}/events",
    response_model=CheckoutLifecycle,
    responses=problem_responses(401, 404, 422),
    summary="The saga's lifecycle events of a checkout, in order (the checkout projection)",
)
async def get_checkout_events(checkout_id: CheckoutId, client: ClientId, ctx: Ctx) -> CheckoutLifecycle:
    return await queries.checkout_lifecycle(ctx, client, checkout_id)


@router.get(
    "/checkouts",
    response_model=CheckoutPage,
    responses=problem_responses(401, 422, 503),
    summary="The calling client's checkouts for a customer, newest first",
)
async def list_checkouts(
    client: ClientId,
    ctx: Ctx,
    customer: Annotated[str, Query(min_length=1, max_length=100, pattern=IDENTIFIER_PATTERN)],
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[
        str | None, Query(max_length=500, description="`next_cursor` of the previous page")
    ] = None,
) -> CheckoutPage:
    return await queries.list_checkouts(ctx, client, customer, limit, cursor)
