"""Routes of the cart API. Handlers are sync (SQLAlchemy is): FastAPI runs them in its threadpool."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse

from services.cart.entrypoints.schemas import ProductRequest, ReservationRequest
from services.cart.service_layer import handlers
from services.cart.service_layer.commands import CheckOutCart, ReleaseCart
from services.cart.service_layer.unit_of_work import CartUnitOfWork
from services.cart.service_layer.views import CheckOutView, ProductView, ReleaseView, ReservationView
from services.common.api_types import IDENTIFIER_PATTERN
from services.common.database import Database
from services.common.web import (
    IdempotencyKey,
    database,
    idempotent_request,
    problem_responses,
    reply_response,
)

router = APIRouter(prefix="/v1", tags=["cart"])

CheckoutId = Annotated[str, Path(min_length=1, max_length=100, pattern=IDENTIFIER_PATTERN)]
Sku = Annotated[str, Path(min_length=1, max_length=100, pattern=IDENTIFIER_PATTERN)]


def unit_of_work(db: Annotated[Database, Depends(database)]) -> handlers.UnitOfWorkFactory:
    def open_uow(*, read_only: bool = False) -> CartUnitOfWork:
        return CartUnitOfWork(db, read_only=read_only)

    return open_uow


Uow = Annotated[handlers.UnitOfWorkFactory, Depends(unit_of_work)]


@router.put(
    "/products/{sku}",
    response_model=ProductView,
    responses={201: {"model": ProductView, "description": "Created"}, **problem_responses(422)},
    summary="Admin: create or replace a product (name, list price, per-order limit, sellable)",
)
def put_product(sku: Sku, product: ProductRequest, open_uow: Uow) -> JSONResponse:
    return reply_response(handlers.describe_product(open_uow, product.command(sku)))


@router.get("/products/{sku}", response_model=ProductView, responses=problem_responses(404))
def get_product(sku: Sku, open_uow: Uow) -> ProductView:
    return handlers.get_product(open_uow, sku)


@router.post(
    "/reservations",
    status_code=201,
    response_model=ReservationView,
    responses={
        200: {"model": ReservationView, "description": "Already reserved"},
        **problem_responses(409, 422),
    },
    summary="Reserve every item for the checkout at its list price, or nothing; the provisional total",
)
def post_reservation(
    request: Request, reservation: ReservationRequest, key: IdempotencyKey, open_uow: Uow
) -> JSONResponse:
    idempotent = idempotent_request(request, key, reservation)
    return reply_response(handlers.reserve(open_uow, reservation.command(), idempotent))


@router.post(
    "/reservations/{checkout_id}/release",
    response_model=ReleaseView,
    responses=problem_responses(409, 422),
    summary="Compensation: release the checkout's reservation (a recorded no-op when it holds nothing)",
)
def release_reservation(
    request: Request, checkout_id: CheckoutId, key: IdempotencyKey, open_uow: Uow
) -> JSONResponse:
    idempotent = idempotent_request(request, key, None)
    return reply_response(handlers.release(open_uow, ReleaseCart(checkout_id), idempotent))


@router.post(
    "/reservations/{checkout_id}/check-out",
    response_model=CheckOutView,
    responses=problem_responses(404, 409, 422),
    summary="The checkout's order was created: its reservation stops holding units (once)",
)
def check_out_reservation(
    request: Request, checkout_id: CheckoutId, key: IdempotencyKey, open_uow: Uow
) -> JSONResponse:
    idempotent = idempotent_request(request, key, None)
    return reply_response(handlers.check_out(open_uow, CheckOutCart(checkout_id), idempotent))


@router.get("/reservations/{checkout_id}", response_model=ReservationView, responses=problem_responses(404))
def get_reservation(checkout_id: CheckoutId, open_uow: Uow) -> ReservationView:
    return handlers.get_reservation(open_uow, checkout_id)
