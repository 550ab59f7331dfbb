"""``python -m workers``: run every job worker of the checkout diagram until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import logging
import signal

import uvloop

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
    uvloop.run(_main())


if __name__ == "__main__":
    main()
