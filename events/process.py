"""What the relay and consumer processes share: threads until SIGTERM/SIGINT, a status endpoint."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import uuid
from collections.abc import Callable

from prometheus_client import CollectorRegistry

from events.status import Problems, Report, serve_status


def default_instance_id() -> str:
    """A name unique to this running process: host, pid and a random suffix (pids are reused)."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def run_until_signalled(
    loops: dict[str, Callable[[threading.Event], None]],
    report: Report,
    registry: CollectorRegistry,
    problems: Problems,
    host: str,
    status_port: int | None,
) -> None:
    """Run each loop in its own thread until a signal; then set their stop event and wait for them."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    threads = [threading.Thread(target=loop, args=(stop,), name=name) for name, loop in loops.items()]
    for thread in threads:
        thread.start()
    server = serve_status(host, status_port, report, registry, problems) if status_port is not None else None
    try:
        while not stop.wait(0.5):
            if not all(thread.is_alive() for thread in threads):
                logging.getLogger(__name__).error("a loop died; stopping the process")
                stop.set()
    finally:
        for thread in threads:
            thread.join()
        if server is not None:
            server.shutdown()
