"""``python -m services.payment``: serve the payment API (settings from ``PAYMENT_*``)."""

from __future__ import annotations

from services.common.server import serve
from services.payment.entrypoints.app import create_app
from services.payment.settings import PaymentSettings


def main() -> None:
    settings = PaymentSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
