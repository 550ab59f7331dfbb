"""Routes of the provider. They are async so that latency and ``tok_timeout`` sleep without holding a
worker thread; the database work runs in the threadpool."""

from __future__ import annotations

import asyncio
import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from services.common.api_types import IDENTIFIER_PATTERN
from services.common.database import Database
from services.common.errors import Rejection, TemporaryFailure
from services.common.web import (
    IdempotencyKey,
    database,
    idempotent_request,
    problem_responses,
    reply_response,
)
from services.payment_provider.domain.tokens import SandboxToken
from services.payment_provider.entrypoints.schemas import CaptureRequest, RefundRequest
from services.payment_provider.service_layer import handlers
from services.payment_provider.service_layer.chaos import TEMPORARILY_UNAVAILABLE, Chaos
from services.payment_provider.service_layer.unit_of_work import ProviderUnitOfWork
from services.payment_provider.service_layer.views import CaptureView, RefundView
from services.payment_provider.settings import ProviderSettings


def settings(request: Request) -> ProviderSettings:
    value = request.app.state.settings
    assert isinstance(value, ProviderSettings)
    return value


Settings = Annotated[ProviderSettings, Depends(settings)]


async def authenticate(
    config: Settings, authorization: Annotated[str | None, Header(include_in_schema=False)] = None
) -> None:
    """With ``PROVIDER_API_KEY`` set, every /v1 call needs ``Authorization: Bearer <key>``."""
    if config.api_key is None:
        return
    expected = f"Bearer {config.api_key.get_secret_value()}"
    if authorization is None or not hmac.compare_digest(authorization.encode(), expected.encode()):
        raise Rejection(401, "authentication_required", "Invalid or missing API key")


async def inject_chaos(request: Request) -> None:
    chaos = request.app.state.chaos
    assert isinstance(chaos, Chaos)
    await chaos.before_request()


router = APIRouter(
    prefix="/v1", tags=["payment provider"], dependencies=[Depends(authenticate), Depends(inject_chaos)]
)

CaptureId = Annotated[str, Path(min_length=1, max_length=100, pattern=IDENTIFIER_PATTERN)]


def unit_of_work(db: Annotated[Database, Depends(database)]) -> handlers.UnitOfWorkFactory:
    def open_uow(*, read_only: bool = False) -> ProviderUnitOfWork:
        return ProviderUnitOfWork(db, read_only=read_only)

    return open_uow


Uow = Annotated[handlers.UnitOfWorkFactory, Depends(unit_of_work)]


@router.post(
    "/captures",
    status_code=201,
    response_model=CaptureView,
    responses=problem_responses(402, 409, 422, 503),
    summary="Capture an amount with a payment token (idempotent per Idempotency-Key)",
)
async def post_capture(
    request: Request, body: CaptureRequest, key: IdempotencyKey, open_uow: Uow, config: Settings
) -> JSONResponse:
    idempotent = idempotent_request(request, key, body)
    if body.payment_token is SandboxToken.FLAKY and await run_in_threadpool(
        handlers.flaky_attempt_fails, open_uow, key
    ):
        raise TemporaryFailure(
            TEMPORARILY_UNAVAILABLE, "tok_flaky: this attempt fails; retry with the same key"
        )
    reply = await run_in_threadpool(handlers.capture, open_uow, body.command(), idempotent)
    if body.payment_token is SandboxToken.TIMEOUT and not reply.replayed:
        # Recorded and committed already: the caller times out, and its retry gets the stored result.
        await asyncio.sleep(config.timeout_token_delay_seconds)
    return reply_response(reply)


@router.get("/captures/{capture_id}", response_model=CaptureView, responses=problem_responses(404))
async def get_capture(capture_id: CaptureId, open_uow: Uow) -> CaptureView:
    return await run_in_threadpool(handlers.get_capture, open_uow, capture_id)


@router.post(
    "/refunds",
    status_code=201,
    response_model=RefundView,
    responses=problem_responses(404, 409, 422, 503),
    summary="Refund part or all of a capture (never more than captured; idempotent per Idempotency-Key)",
)
async def post_refund(
    request: Request, body: RefundRequest, key: IdempotencyKey, open_uow: Uow
) -> JSONResponse:
    idempotent = idempotent_request(request, key, body)
    return reply_response(await run_in_threadpool(handlers.refund, open_uow, body.command(), idempotent))
