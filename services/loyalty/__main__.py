"""``python -m services.loyalty``: serve the loyalty API (settings from ``LOYALTY_*``)."""

from __future__ import annotations

from services.common.server import serve
from services.loyalty.entrypoints.app import create_app
from services.loyalty.settings import LoyaltySettings


def main() -> None:
    settings = LoyaltySettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
