"""The inventory's FastAPI app."""

from __future__ import annotations

from fastapi import FastAPI

from services.common.app import create_service_app
from services.inventory.entrypoints.routes import router
from services.inventory.settings import InventorySettings


def create_app(settings: InventorySettings | None = None) -> FastAPI:
    return create_service_app(
        settings or InventorySettings(),
        package="services.inventory",
        title="Inventory",
        description="Stock per SKU; allocations per checkout (all-or-nothing, never oversold); releases.",
        routers=[router],
    )
