"""Helpers for the services' tests: a real uvicorn server in a thread, unique ids, table counts, and the
idempotency bookkeeping the services' hypothesis state machines share."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Self

import httpx
import uvicorn
from fastapi import FastAPI
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule
from sqlalchemy import Engine, Table, func, select


class LiveServer:
    """``app`` served by uvicorn over real HTTP on a free 127.0.0.1 port, lifespan included.

    The socket is bound before the server starts, so ``url`` is known up front; start-up failures (a
    migration that cannot run, say) are raised from ``__enter__``.
    """

    def __init__(
        self, app: FastAPI, *, graceful_shutdown_seconds: float = 2.0, tls: tuple[Path, Path] | None = None
    ) -> None:
        """``tls``: (certificate, private key) in PEM files, to serve HTTPS."""
        # proto=IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted sockets only when the listening
        # socket says TCP, and without it every response body waits ~40 ms for a delayed ACK.
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self.app = app
        config = uvicorn.Config(
            app,
            log_level="warning",
            lifespan="on",
            timeout_graceful_shutdown=int(graceful_shutdown_seconds) or 1,
            ssl_certfile=None if tls is None else str(tls[0]),
            ssl_keyfile=None if tls is None else str(tls[1]),
        )
        self._scheme = "http" if tls is None else "https"
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            daemon=True,
            name=f"uvicorn:{self.port}",
        )

    @property
    def url(self) -> str:
        return f"{self._scheme}://127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the server did not start (see the log above)")
            if time.monotonic() > deadline:
                raise TimeoutError("the server did not start within 30 s")
            time.sleep(0.01)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)
        self._socket.close()


def unique(prefix: str) -> str:
    """An id no other test uses: ``prefix-<8 hex>``."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def count(engine: Engine, table: Table, **where: Any) -> int:
    """Rows of ``table`` whose columns equal ``where``."""
    query = select(func.count()).select_from(table)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


@dataclass
class Sent:
    """A request the machine sent under a key, and the first answer it got."""

    method: str
    path: str
    body: dict[str, Any] | None
    status: int
    answer: dict[str, Any]


class IdempotentMachine(RuleBasedStateMachine):
    """A state machine over a service whose writes take an ``Idempotency-Key``.

    Every service promises the same thing for a reused key: the first answer again, marked
    ``Idempotent-Replayed``, or a 409 when the request changed. The machines check that promise here,
    once, so their own rules only model what a *new* key does. Subclasses set ``http`` (a client of the
    live service) before the run; the ``retry`` rule replays any request sent so far.
    """

    http: ClassVar[httpx.Client]

    def __init__(self) -> None:
        super().__init__()
        self.prefix = uuid.uuid4().hex[:8]
        self.sent: dict[str, Sent] = {}

    def checkout(self, number: int) -> str:
        """Checkout ``number`` of this run: the prefix keeps runs sharing one server apart."""
        return f"{self.prefix}-c{number}"

    def send(self, key: str, method: str, path: str, body: dict[str, Any] | None) -> httpx.Response | None:
        """Send under ``key``; checks and returns ``None`` when the key was used before (a replay)."""
        response = self.http.request(method, path, json=body, headers={"Idempotency-Key": key})
        assert response.status_code < 500, response.text
        first = self.sent.get(key)
        if first is None:
            self.sent[key] = Sent(method, path, body, response.status_code, response.json())
            return response
        if (first.method, first.path, first.body) == (method, path, body):
            assert (response.status_code, response.json()) == (first.status, first.answer)
            assert response.headers["Idempotent-Replayed"] == "true"
        else:
            assert response.status_code == 409
            assert response.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
        return None

    @rule(data=st.data())
    def retry(self, data: st.DataObject) -> None:
        """Replay a request already sent, exactly: ``send`` checks the stored answer comes back."""
        if not self.sent:
            return
        key = data.draw(st.sampled_from(sorted(self.sent)))
        first = self.sent[key]
        assert self.send(key, first.method, first.path, first.body) is None
