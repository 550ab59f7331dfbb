"""``python -m services.pricing``: serve the pricing API (settings from ``PRICING_*``)."""

from __future__ import annotations

from services.common.server import serve
from services.pricing.entrypoints.app import create_app
from services.pricing.settings import PricingSettings


def main() -> None:
    settings = PricingSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
