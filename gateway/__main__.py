"""``python -m gateway``: serve the gateway API (``GATEWAY_*`` settings, Zeebe from ``ZEEBE_*``).

Refuses to start without ``GATEWAY_API_KEYS``; a configuration error is printed by field name and
reason only, never with the value given.
"""

from __future__ import annotations

import sys

from pydantic import ValidationError

from gateway.entrypoints.app import create_app
from gateway.settings import GatewaySettings
from services.common.server import serve


def _settings() -> GatewaySettings:
    try:
        return GatewaySettings()  # api_keys comes from the environment
    except ValidationError as error:
        for problem in error.errors(include_input=False, include_url=False):
            field = "_".join(str(part) for part in problem["loc"]).upper()
            name = f"GATEWAY_{field}" if field else "settings"
            print(f"gateway: {name}: {problem['msg']}", file=sys.stderr)
        raise SystemExit(2) from None


def main() -> None:
    settings = _settings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
