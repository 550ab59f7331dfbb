"""Routes of the inventory API. Handlers are sync (SQLAlchemy is): FastAPI runs them in its threadpool."""

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
from services.inventory.entrypoints.schemas import AllocationRequest, StockLevel
from services.inventory.service_layer import handlers
from services.inventory.service_layer.commands import ReleaseStock, SetStock
from services.inventory.service_layer.unit_of_work import InventoryUnitOfWork
from services.inventory.service_layer.views import AllocationView, ReleaseView, StockView

router = APIRouter(prefix="/v1", tags=["inventory"])

CheckoutId = Annotated[str, Path(min_length=1, max_length=100, pattern=IDENTIFIER_PATTERN)]
Sku = Annotated[str, Path(min_length=1, max_length=100, pattern=IDENTIFIER_PATTERN)]


def unit_of_work(db: Annotated[Database, Depends(database)]) -> handlers.UnitOfWorkFactory:
    def open_uow(*, read_only: bool = False) -> InventoryUnitOfWork:
        return InventoryUnitOfWork(db, read_only=read_only)

    return open_uow


Uow = Annotated[handlers.UnitOfWorkFactory, Depends(unit_of_work)]


@router.put(
    "/stock/{sku}",
    response_model=StockView,
    responses={201: {"model": StockView, "description": "Created"}, **problem_responses(422)},
    summary="Admin: set a SKU's free on-hand quantity and location (records the difference as a receipt)",
)
def put_stock(sku: Sku, level: StockLevel, open_uow: Uow) -> JSONResponse:
    return reply_response(handlers.set_stock(open_uow, SetStock(sku, level.on_hand, level.location)))


@router.get("/stock/{sku}", response_model=StockView, responses=problem_responses(404))
def get_stock(sku: Sku, open_uow: Uow) -> StockView:
    return handlers.get_stock(open_uow, sku)


@router.post(
    "/allocations",
    status_code=201,
    response_model=AllocationView,
    responses={
        200: {"model": AllocationView, "description": "Already allocated"},
        **problem_responses(409, 422),
    },
    summary="Allocate every item to the checkout, or nothing (OUT_OF_STOCK, UNKNOWN_SKU)",
)
def post_allocation(
    request: Request, allocation: AllocationRequest, key: IdempotencyKey, open_uow: Uow
) -> JSONResponse:
    idempotent = idempotent_request(request, key, allocation)
    return reply_response(handlers.allocate(open_uow, allocation.command(), idempotent))


@router.post(
    "/allocations/{checkout_id}/release",
    response_model=ReleaseView,
    responses=problem_responses(409, 422),
    summary="Compensation: release what the checkout holds (a recorded no-op when it holds nothing)",
)
def release_allocation(
    request: Request, checkout_id: CheckoutId, key: IdempotencyKey, open_uow: Uow
) -> JSONResponse:
    idempotent = idempotent_request(request, key, None)
    return reply_response(handlers.release(open_uow, ReleaseStock(checkout_id), idempotent))


@router.get("/allocations/{checkout_id}", response_model=AllocationView, responses=problem_responses(404))
def get_allocation(checkout_id: CheckoutId, open_uow: Uow) -> AllocationView:
    return handlers.get_allocation(open_uow, checkout_id)
