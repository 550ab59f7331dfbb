"""The order service's FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.app import create_service_app
from services.order.entrypoints.routes import router
from services.order.settings import OrderSettings


def create_app(settings: OrderSettings | None = None) -> FastAPI:
    return create_service_app(
        settings or OrderSettings(),
        package="services.order",
        title="Order",
        description=(
            "The checkout's final order, once per checkout, with fulfilment requested in the same "
            "transaction; cancellation keeps it for audit; a block list refuses customers."
        ),
        routers=[router],
    )
