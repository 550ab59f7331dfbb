"""``python -m services.inventory``: serve the inventory API (settings from ``INVENTORY_*``)."""

from __future__ import annotations

from services.common.server import serve
from services.inventory.entrypoints.app import create_app
from services.inventory.settings import InventorySettings


def main() -> None:
    settings = InventorySettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
