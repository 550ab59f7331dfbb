"""The payment service's FastAPI app: the kit's app, plus the provider client and its failures."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from services.common.app import create_service_app
from services.common.lifespan import close_at_shutdown
from services.common.problem_handlers import problem_response
from services.common.problems import Problem
from services.payment.adapters.provider_client import HttpPaymentProvider
from services.payment.entrypoints.routes import router
from services.payment.service_layer.provider import ProviderFailure
from services.payment.settings import PaymentSettings


async def _provider_failure(request: Request, exc: Exception) -> JSONResponse:
    """503 ``PAYMENT_PROVIDER_UNAVAILABLE`` / 504 ``PAYMENT_PROVIDER_TIMEOUT``, with ``Retry-After``."""
    assert isinstance(exc, ProviderFailure)
    problem = Problem(exc.status, exc.code, exc.title, exc.detail, request.url.path)
    return problem_response(problem, headers={"Retry-After": str(exc.retry_after_seconds)})


def create_app(settings: PaymentSettings | None = None) -> FastAPI:
    config = settings or PaymentSettings()
    app = create_service_app(
        config,
        package="services.payment",
        title="Payment",
        description=(
            "One card capture per checkout through the payment provider (tokens only, never card "
            "data); refunds as compensation. Retries, timeouts and crashes never charge twice."
        ),
        routers=[router],
    )
    provider = HttpPaymentProvider(
        config.provider_url, config.provider_timeout_seconds, config.provider_api_key
    )
    app.state.provider = provider
    app.add_exception_handler(ProviderFailure, _provider_failure)
    close_at_shutdown(app, provider.close)
    return app
