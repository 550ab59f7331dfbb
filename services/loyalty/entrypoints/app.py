"""The loyalty FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.app import create_service_app
from services.loyalty.entrypoints.routes import router
from services.loyalty.settings import LoyaltySettings


def create_app(settings: LoyaltySettings | None = None) -> FastAPI:
    return create_service_app(
        settings or LoyaltySettings(),
        package="services.loyalty",
        title="Loyalty",
        description="Points per completed order, at most once per checkout; revocation when it is cancelled.",
        routers=[router],
    )
