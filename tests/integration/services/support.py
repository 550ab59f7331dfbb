"""Machinery the services' integration tests share: a service started as ``python -m services.<name>``,
and bursts of concurrent requests.

Each service's tests differ only in their settings and their assertions; the start-up, the wait for
readiness, the shutdown and the barrier that lines requests up live here once, so that a fix to any of
them (a longer deadline, a leaked process) reaches every service.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
from sqlalchemy import Engine, select

from services.common.tables import audit_log, idempotency_keys, outbox
from tests.unit.services.support import LiveServer

REPO_ROOT = Path(__file__).resolve().parents[3]

Call = Callable[[httpx.Client], httpx.Response]
"""One request of a burst, made on the client :func:`burst` hands it."""


def free_port() -> int:
    """A port nothing listens on now; the child process binds it itself, so it cannot be pre-bound."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ServiceProcess:
    """A service running as a process of its own: where it listens, its first readiness answer and,
    once stopped, everything it printed."""

    url: str
    process: subprocess.Popen[bytes]
    ready: httpx.Response
    output: bytes = b""


@contextmanager
def service_process(
    service: str,
    database: Path,
    *,
    label: str,
    inherit_settings: bool = True,
    until_status: int | None = None,
    module: tuple[str, ...] = (),
    environment: dict[str, str] | None = None,
    **settings: str,
) -> Iterator[ServiceProcess]:
    """``python -m services.<service>`` on a free port with a SQLite ``database``, once it answers
    ``/health/ready``; stopped (SIGTERM, unless it already exited) on the way out.

    ``settings`` become ``<SERVICE>_<NAME>`` environment variables. ``inherit_settings=False`` drops the
    service's own variables from the parent environment first, for a start with no server at all.
    ``until_status`` keeps waiting until readiness answers that status instead of taking the first
    answer; ``label`` names the service in the failure messages. ``module`` replaces
    ``services.<service>`` (with its arguments); ``environment`` adds variables of other prefixes.
    """
    prefix = f"{service.upper()}_"
    port = free_port()
    inherited = {k: v for k, v in os.environ.items() if inherit_settings or not k.startswith(prefix)}
    environment = {
        **inherited,
        f"{prefix}DATABASE_URL": f"sqlite:///{database}",
        f"{prefix}PORT": str(port),
        f"{prefix}LOG_LEVEL": "warning",
        **{f"{prefix}{name.upper()}": value for name, value in settings.items()},
        **(environment or {}),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", *(module or (f"services.{service}",))],
        cwd=REPO_ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    running: ServiceProcess | None = None
    try:
        deadline = time.monotonic() + 30
        ready = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                ready = httpx.get(f"{url}/health/ready", timeout=1)
            except httpx.TransportError:
                time.sleep(0.05)
                continue
            if until_status is None or ready.status_code == until_status:
                break
            ready = None
            time.sleep(0.05)
        assert ready is not None, f"{label} did not start"
        running = ServiceProcess(url, process, ready)
        yield running
    finally:
        if process.poll() is None:
            process.terminate()
        output, _ = process.communicate(timeout=30)
        if running is not None:
            running.output = output


def assert_stopped_cleanly(service: ServiceProcess) -> None:
    """The stopped process exited as a SIGTERM'd uvicorn should, without a traceback."""
    output = service.output.decode()
    # uvicorn shuts down gracefully, then re-raises the signal so the exit status tells why it stopped.
    assert service.process.returncode in (0, -signal.SIGTERM), output
    assert b"Traceback" not in service.output, output


class Served(Protocol):
    """Any of the services' test handles: what :func:`burst` needs is the live server's address."""

    @property
    def server(self) -> LiveServer: ...


def burst(service: Served, calls: Sequence[Call]) -> list[httpx.Response]:
    """Run ``calls`` at the same moment, each on a connection of its own; their responses in order."""
    barrier = threading.Barrier(len(calls))
    limits = httpx.Limits(max_connections=len(calls), max_keepalive_connections=0)
    with (
        httpx.Client(base_url=service.server.url, timeout=60, limits=limits) as client,
        ThreadPoolExecutor(max_workers=len(calls)) as pool,
    ):

        def run(call: Call) -> httpx.Response:
            barrier.wait()
            return call(client)

        return list(pool.map(run, calls))


class ServiceTables:
    """Direct reads of the tables every service shares (outbox, audit log, idempotency keys).

    Mixed into each service's test handle, which supplies ``db``: the tests check what a request left
    behind in the database, not only what it answered, and these reads are the same for every service.
    """

    db: Engine

    def events(self, checkout_id: str) -> list[dict[str, Any]]:
        query = select(outbox).where(outbox.c.checkout_id == checkout_id).order_by(outbox.c.occurred_at)
        with self.db.connect() as connection:
            return [dict(row) for row in connection.execute(query).mappings()]

    def sku_events(self, sku: str) -> list[dict[str, Any]]:
        query = select(outbox).where(outbox.c.checkout_id.is_(None)).order_by(outbox.c.occurred_at)
        with self.db.connect() as connection:
            rows = [dict(row) for row in connection.execute(query).mappings()]
        return [row for row in rows if row["payload"].get("sku") == sku]

    def audit(self, checkout_id: str) -> list[dict[str, Any]]:
        query = select(audit_log).where(audit_log.c.correlation_id == checkout_id).order_by(audit_log.c.id)
        with self.db.connect() as connection:
            return [dict(row) for row in connection.execute(query).mappings()]

    def has_key(self, key: str) -> bool:
        query = select(idempotency_keys.c.key).where(idempotency_keys.c.key == key)
        with self.db.connect() as connection:
            return connection.execute(query).first() is not None
