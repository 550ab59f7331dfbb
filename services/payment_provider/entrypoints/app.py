"""The provider's FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.app import create_service_app
from services.payment_provider.entrypoints.routes import router
from services.payment_provider.service_layer.chaos import Chaos
from services.payment_provider.settings import ProviderSettings


def create_app(settings: ProviderSettings | None = None) -> FastAPI:
    config = settings or ProviderSettings()
    app = create_service_app(
        config,
        package="services.payment_provider",
        title="Payment provider (sandbox)",
        description="Stand-in card processor: captures, refunds, test tokens, injectable latency and errors.",
        routers=[router],
    )
    app.state.chaos = Chaos(config.latency_ms, config.error_rate, config.random_seed)
    return app
