"""``python -m services.order``: serve the order API (settings from ``ORDER_*``)."""

from __future__ import annotations

from services.common.server import serve
from services.order.entrypoints.app import create_app
from services.order.settings import OrderSettings


def main() -> None:
    settings = OrderSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
