"""``python -m services.cart``: serve the cart API (settings from ``CART_*``)."""

from __future__ import annotations

from services.cart.entrypoints.app import create_app
from services.cart.settings import CartSettings
from services.common.server import serve


def main() -> None:
    settings = CartSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
