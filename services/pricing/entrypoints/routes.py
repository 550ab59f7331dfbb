"""Routes of the pricing API. Handlers are sync (SQLAlchemy and the Redis client are): FastAPI runs them
in its threadpool."""

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
from services.pricing.entrypoints.schemas import (
    PROMO_CODE_MAX_LENGTH,
    PROMO_CODE_PATTERN,
    REGION_PATTERN,
    PriceRequest,
    PromotionRequest,
    QuoteRequestBody,
    TaxRateRequest,
)
from services.pricing.service_layer import catalogue, handlers
from services.pricing.service_layer.commands import SetPrice, SetPromotion, SetTaxRate, VoidQuote
from services.pricing.service_layer.price_cache import PriceCache
from services.pricing.service_layer.unit_of_work import PricingUnitOfWork
from services.pricing.service_layer.views import PriceView, PromotionView, QuoteView, TaxRateView, VoidView

router = APIRouter(prefix="/v1", tags=["pricing"])

CheckoutId = Annotated[str, Path(min_length=1, max_length=100, pattern=IDENTIFIER_PATTERN)]
Sku = Annotated[str, Path(min_length=1, max_length=100, pattern=IDENTIFIER_PATTERN)]
Region = Annotated[str, Path(min_length=2, max_length=11, pattern=REGION_PATTERN)]
PromoCode = Annotated[str, Path(min_length=1, max_length=PROMO_CODE_MAX_LENGTH, pattern=PROMO_CODE_PATTERN)]


def price_cache(request: Request) -> PriceCache:
    """Dependency: the app's price cache (see ``entrypoints/app.py``)."""
    cache: PriceCache = request.app.state.price_cache
    return cache


def unit_of_work(
    db: Annotated[Database, Depends(database)], cache: Annotated[PriceCache, Depends(price_cache)]
) -> handlers.UnitOfWorkFactory:
    def open_uow(*, read_only: bool = False) -> PricingUnitOfWork:
        return PricingUnitOfWork(db, cache, read_only=read_only)

    return open_uow


Uow = Annotated[handlers.UnitOfWorkFactory, Depends(unit_of_work)]


@router.put(
    "/prices/{sku}",
    response_model=PriceView,
    responses={201: {"model": PriceView, "description": "Created"}, **problem_responses(422)},
    summary="Admin: set a SKU's unit price (quotes already made keep theirs)",
)
def put_price(sku: Sku, price: PriceRequest, open_uow: Uow) -> JSONResponse:
    return reply_response(catalogue.set_price(open_uow, SetPrice(sku, price.unit_price.to_money())))


@router.get("/prices/{sku}", response_model=PriceView, responses=problem_responses(404))
def get_price(sku: Sku, open_uow: Uow) -> PriceView:
    return catalogue.get_price(open_uow, sku)


@router.put(
    "/promotions/{code}",
    response_model=PromotionView,
    responses={201: {"model": PromotionView, "description": "Created"}, **problem_responses(409, 422)},
    summary="Admin: create or replace a promotion (a percentage or a fixed amount off)",
)
def put_promotion(code: PromoCode, promotion: PromotionRequest, open_uow: Uow) -> JSONResponse:
    command = SetPromotion(code.upper(), promotion.terms())
    return reply_response(catalogue.set_promotion(open_uow, command))


@router.get("/promotions/{code}", response_model=PromotionView, responses=problem_responses(404))
def get_promotion(code: PromoCode, open_uow: Uow) -> PromotionView:
    return catalogue.get_promotion(open_uow, code.upper())


@router.put(
    "/tax-rates/{region}",
    response_model=TaxRateView,
    responses={201: {"model": TaxRateView, "description": "Created"}, **problem_responses(422)},
    summary="Admin: set a shipping region's tax rate in basis points",
)
def put_tax_rate(region: Region, rate: TaxRateRequest, open_uow: Uow) -> JSONResponse:
    return reply_response(catalogue.set_tax_rate(open_uow, SetTaxRate(region, rate.rate_bp)))


@router.get("/tax-rates/{region}", response_model=TaxRateView, responses=problem_responses(404))
def get_tax_rate(region: Region, open_uow: Uow) -> TaxRateView:
    return catalogue.get_tax_rate(open_uow, region)


@router.post(
    "/quotes",
    status_code=201,
    response_model=QuoteView,
    responses={
        200: {"model": QuoteView, "description": "Already quoted for this checkout"},
        **problem_responses(409, 422),
    },
    summary="Quote the checkout: lock its prices, apply the promotion and the region's tax",
)
def post_quote(request: Request, quote: QuoteRequestBody, key: IdempotencyKey, open_uow: Uow) -> JSONResponse:
    idempotent = idempotent_request(request, key, quote)
    return reply_response(handlers.quote(open_uow, quote.command(), idempotent))


@router.post(
    "/quotes/{checkout_id}/void",
    response_model=VoidView,
    responses=problem_responses(409, 422),
    summary="Compensation: void the checkout's quote and return its promotion redemption",
)
def void_quote(request: Request, checkout_id: CheckoutId, key: IdempotencyKey, open_uow: Uow) -> JSONResponse:
    idempotent = idempotent_request(request, key, None)
    return reply_response(handlers.void(open_uow, VoidQuote(checkout_id), idempotent))


@router.get("/quotes/{checkout_id}", response_model=QuoteView, responses=problem_responses(404))
def get_quote(checkout_id: CheckoutId, open_uow: Uow) -> QuoteView:
    return handlers.get_quote(open_uow, checkout_id)
