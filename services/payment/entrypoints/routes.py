"""Routes of the payment API. Handlers are sync (SQLAlchemy and the provider client are): FastAPI runs
them in its threadpool, so a slow provider holds a worker thread, never the event loop."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse

from services.common.api_types import IDENTIFIER_PATTERN
from services.common.database import Database
from services.common.web import (
    IdempotencyKey,
    database,
    idempotent_request,
    problem_responses,
    reply_response,
)
from services.payment.entrypoints.schemas import PaymentRequest
from services.payment.service_layer import handlers
from services.payment.service_layer.commands import RefundPayment
from services.payment.service_layer.handlers import PaymentServices
from services.payment.service_layer.provider import PaymentProvider
from services.payment.service_layer.unit_of_work import PaymentUnitOfWork
from services.payment.service_layer.views import CapturedPaymentView, CompensationView, PaymentView
from services.payment.settings import PaymentSettings

router = APIRouter(prefix="/v1", tags=["payment"])

CheckoutId = Annotated[str, Path(min_length=1, max_length=100, pattern=IDENTIFIER_PATTERN)]


def unit_of_work(db: Annotated[Database, Depends(database)]) -> handlers.UnitOfWorkFactory:
    def open_uow(*, read_only: bool = False) -> PaymentUnitOfWork:
        return PaymentUnitOfWork(db, read_only=read_only)

    return open_uow


Uow = Annotated[handlers.UnitOfWorkFactory, Depends(unit_of_work)]


def payment_services(request: Request, open_uow: Uow) -> PaymentServices:
    provider: PaymentProvider = request.app.state.provider
    settings = request.app.state.settings
    assert isinstance(settings, PaymentSettings)
    return PaymentServices(open_uow, provider, settings.claim_lease_seconds)


Services = Annotated[PaymentServices, Depends(payment_services)]


@router.post(
    "/payments",
    status_code=201,
    response_model=CapturedPaymentView,
    responses={
        200: {"model": CapturedPaymentView, "description": "Already captured for this checkout"},
        **problem_responses(402, 409, 422, 503, 504),
    },
    summary="Capture the checkout's payment (once per checkout; PAYMENT_DECLINED, INSUFFICIENT_FUNDS)",
)
def post_payment(
    request: Request, payment: PaymentRequest, key: IdempotencyKey, services: Services
) -> JSONResponse:
    idempotent = idempotent_request(request, key, payment)
    return reply_response(handlers.capture(services, payment.command(), idempotent))


@router.post(
    "/payments/{checkout_id}/refund",
    response_model=CompensationView,
    responses=problem_responses(409, 422, 503, 504),
    summary="Compensation: refund what the checkout paid, voiding a capture in flight (no-op when nothing)",
)
def refund_payment(
    request: Request, checkout_id: CheckoutId, key: IdempotencyKey, services: Services
) -> JSONResponse:
    idempotent = idempotent_request(request, key, None)
    return reply_response(handlers.refund(services, RefundPayment(checkout_id), idempotent))


@router.get("/payments/{checkout_id}", response_model=PaymentView, responses=problem_responses(404))
def get_payment(checkout_id: CheckoutId, open_uow: Uow) -> PaymentView:
    return handlers.get_payment(open_uow, checkout_id)
