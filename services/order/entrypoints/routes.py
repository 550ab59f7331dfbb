"""Routes of the order API. Handlers are sync (SQLAlchemy is): FastAPI runs them in its threadpool."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
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
from services.order.entrypoints.schemas import BlockRequest, OrderRequest
from services.order.service_layer import handlers
from services.order.service_layer.commands import BlockCustomer, CancelOrder, ListOrders, UnblockCustomer
from services.order.service_layer.unit_of_work import OrderUnitOfWork
from services.order.service_layer.views import BlockedCustomerView, CancelView, OrderPage, OrderView

router = APIRouter(prefix="/v1", tags=["order"])

CheckoutId = Annotated[str, Path(min_length=1, max_length=100, pattern=IDENTIFIER_PATTERN)]
CustomerId = Annotated[str, Path(min_length=1, max_length=100, pattern=IDENTIFIER_PATTERN)]

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def unit_of_work(db: Annotated[Database, Depends(database)]) -> handlers.UnitOfWorkFactory:
    def open_uow(*, read_only: bool = False) -> OrderUnitOfWork:
        return OrderUnitOfWork(db, read_only=read_only)

    return open_uow


Uow = Annotated[handlers.UnitOfWorkFactory, Depends(unit_of_work)]


@router.post(
    "/orders",
    status_code=201,
    response_model=OrderView,
    responses={
        200: {"model": OrderView, "description": "The checkout's order, placed earlier"},
        **problem_responses(409, 422),
    },
    summary="Place the checkout's order and request its fulfilment (CUSTOMER_BLOCKED, TOTAL_MISMATCH)",
)
def post_order(request: Request, order: OrderRequest, key: IdempotencyKey, open_uow: Uow) -> JSONResponse:
    idempotent = idempotent_request(request, key, order)
    return reply_response(handlers.create_order(open_uow, order.command(), idempotent))


@router.post(
    "/orders/{checkout_id}/cancel",
    response_model=CancelView,
    responses=problem_responses(409, 422),
    summary="Compensation: cancel the checkout's order, kept as CANCELLED (a recorded no-op without one)",
)
def cancel_order(
    request: Request, checkout_id: CheckoutId, key: IdempotencyKey, open_uow: Uow
) -> JSONResponse:
    idempotent = idempotent_request(request, key, None)
    return reply_response(handlers.cancel_order(open_uow, CancelOrder(checkout_id), idempotent))


@router.get("/orders/{checkout_id}", response_model=OrderView, responses=problem_responses(404))
def get_order(checkout_id: CheckoutId, open_uow: Uow) -> OrderView:
    return handlers.get_order(open_uow, checkout_id)


@router.get(
    "/orders",
    response_model=OrderPage,
    responses=problem_responses(422),
    summary="A customer's orders, newest first; pass next_after as after for the next page",
)
def list_orders(
    customer_id: Annotated[str, Query(min_length=1, max_length=100, pattern=IDENTIFIER_PATTERN)],
    open_uow: Uow,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    after: Annotated[str | None, Query(min_length=1, max_length=100, pattern=IDENTIFIER_PATTERN)] = None,
) -> OrderPage:
    return handlers.list_orders(open_uow, ListOrders(customer_id, limit, after))


@router.put(
    "/blocked-customers/{customer_id}",
    response_model=BlockedCustomerView,
    responses={201: {"model": BlockedCustomerView, "description": "Blocked"}, **problem_responses(422)},
    summary="Admin: refuse orders for the customer from now on (CUSTOMER_BLOCKED)",
)
def put_blocked_customer(customer_id: CustomerId, block: BlockRequest, open_uow: Uow) -> JSONResponse:
    return reply_response(handlers.block_customer(open_uow, BlockCustomer(customer_id, block.reason)))


@router.delete(
    "/blocked-customers/{customer_id}",
    status_code=204,
    response_class=Response,
    responses=problem_responses(422),
    summary="Admin: let the customer order again (204 whether or not they were blocked)",
)
def delete_blocked_customer(customer_id: CustomerId, open_uow: Uow) -> Response:
    handlers.unblock_customer(open_uow, UnblockCustomer(customer_id))
    return Response(status_code=204)
