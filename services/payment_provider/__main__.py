"""``python -m services.payment_provider``: serve the sandbox (settings from ``PROVIDER_*``)."""

from __future__ import annotations

from services.common.server import serve
from services.payment_provider.entrypoints.app import create_app
from services.payment_provider.settings import ProviderSettings


def main() -> None:
    settings = ProviderSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
