"""``python -m workers``: run the job workers of the checkout diagram (those of ``WORKERS_SERVICES``, default
all) until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import logging
import signal

import uvloop

from telemetry.tracing import configure_tracing
from workers.app import WorkerApp
from workers.settings import WorkerSettings
from zeebe_connection import ZeebeSettings


async def _main() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await WorkerApp(WorkerSettings(), ZeebeSettings()).run(stop)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # No client instrumentation to switch on: the service calls trace themselves (telemetry.http_client).
    shutdown_tracing = configure_tracing("workers")
    try:
        uvloop.run(_main())
    finally:
        shutdown_tracing()


if __name__ == "__main__":
    main()
