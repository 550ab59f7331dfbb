"""``python -m engine serve``: run the local Zeebe-compatible engine."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import uvloop

from engine.settings import EngineSettings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m engine", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve Zeebe's gateway protocol and the read API")
    serve.add_argument("--host", help="bind address (default 127.0.0.1, env ENGINE_HOST)")
    serve.add_argument("--port", type=int, help="gRPC port (default 26500, env ENGINE_PORT)")
    serve.add_argument(
        "--http-port", type=int, help="read API and /metrics port (default 8081, env ENGINE_HTTP_PORT)"
    )
    serve.add_argument(
        "--data-dir", type=Path, help="state directory (default var/engine, env ENGINE_DATA_DIR)"
    )
    args = parser.parse_args(argv)
    overrides = {k: v for k, v in vars(args).items() if k != "command" and v is not None}
    settings = EngineSettings(**overrides)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from engine.server import serve as run  # imported late: `--help` stays fast
    from telemetry.tracing import TracingConfigError, configure_tracing

    try:
        # Before the engine starts: it asks once, when it starts, whether spans are recorded.
        shutdown_tracing = configure_tracing("engine")
    except TracingConfigError as error:
        parser.error(str(error))
    try:
        uvloop.run(run(settings))  # returns on SIGTERM/SIGINT once the engine has stopped
    finally:
        shutdown_tracing()  # exports the spans still buffered


if __name__ == "__main__":
    main()
