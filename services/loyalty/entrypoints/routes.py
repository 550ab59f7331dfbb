"""Routes of the loyalty API. Handlers are sync (SQLAlchemy is): FastAPI runs them in its threadpool."""

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
from services.loyalty.domain.model import PointsRule
from services.loyalty.entrypoints.schemas import AwardRequest
from services.loyalty.service_layer import handlers
from services.loyalty.service_layer.commands import RevokePoints
from services.loyalty.service_layer.unit_of_work import LoyaltyUnitOfWork
from services.loyalty.service_layer.views import AccountView, AwardView, RevokeView
from services.loyalty.settings import LoyaltySettings

router = APIRouter(prefix="/v1", tags=["loyalty"])

CheckoutId = Annotated[str, Path(min_length=1, max_length=100, pattern=IDENTIFIER_PATTERN)]
CustomerId = Annotated[str, Path(min_length=1, max_length=100, pattern=IDENTIFIER_PATTERN)]


def unit_of_work(db: Annotated[Database, Depends(database)]) -> handlers.UnitOfWorkFactory:
    def open_uow(*, read_only: bool = False) -> LoyaltyUnitOfWork:
        return LoyaltyUnitOfWork(db, read_only=read_only)

    return open_uow


def points_rule(request: Request) -> PointsRule:
    """Dependency: how many points a whole currency unit earns (``LOYALTY_POINTS_PER_UNIT``)."""
    settings = request.app.state.settings
    assert isinstance(settings, LoyaltySettings)
    return PointsRule(settings.points_per_unit)


Uow = Annotated[handlers.UnitOfWorkFactory, Depends(unit_of_work)]
Rule = Annotated[PointsRule, Depends(points_rule)]


@router.post(
    "/awards",
    status_code=201,
    response_model=AwardView,
    responses={200: {"model": AwardView, "description": "Already awarded"}, **problem_responses(409, 422)},
    summary="Award the order's points to the customer, once per checkout (AWARD_CONFLICT, AWARD_REVOKED)",
)
def post_award(
    request: Request, award: AwardRequest, key: IdempotencyKey, open_uow: Uow, rule: Rule
) -> JSONResponse:
    idempotent = idempotent_request(request, key, award)
    return reply_response(handlers.award(open_uow, award.command(), rule, idempotent))


@router.post(
    "/awards/{checkout_id}/revoke",
    response_model=RevokeView,
    responses=problem_responses(409, 422),
    summary="Compensation: revoke the checkout's points (a recorded no-op, and a tombstone, when none)",
)
def revoke_award(
    request: Request, checkout_id: CheckoutId, key: IdempotencyKey, open_uow: Uow
) -> JSONResponse:
    idempotent = idempotent_request(request, key, None)
    return reply_response(handlers.revoke(open_uow, RevokePoints(checkout_id), idempotent))


@router.get("/awards/{checkout_id}", response_model=AwardView, responses=problem_responses(404))
def get_award(checkout_id: CheckoutId, open_uow: Uow) -> AwardView:
    return handlers.get_award(open_uow, checkout_id)


@router.get("/accounts/{customer_id}", response_model=AccountView, responses=problem_responses(422))
def get_account(customer_id: CustomerId, open_uow: Uow) -> AccountView:
    return handlers.get_account(open_uow, customer_id)
