"""The cart's FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI

from services.cart.entrypoints.routes import router
from services.cart.settings import CartSettings
from services.common.app import create_service_app


def create_app(settings: CartSettings | None = None) -> FastAPI:
    return create_service_app(
        settings or CartSettings(),
        package="services.cart",
        title="Cart",
        description=(
            "Product catalogue; reservations per checkout (all-or-nothing, priced, one per checkout); "
            "releases."
        ),
        routers=[router],
    )
