"""A small status endpoint for the relay and consumer processes: liveness, readiness, what they do.

``GET /health/live`` answers once the process runs; ``GET /health/ready`` answers 200 while every
loop's latest attempt went through and 503 naming the problems otherwise (:mod:`events.readiness`);
``GET /status`` gives the JSON that ``report()`` returns (relays: who holds which outbox lease, events
published; consumers: lag per partition); ``GET /metrics`` the same facts for Prometheus
(:mod:`events.metrics`). The standard library's threaded server is enough for a handful of operator
requests.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

Report = Callable[[], dict[str, Any]]
Problems = Callable[[], dict[str, str]]
"""What keeps each loop from working, by loop name; empty when all are ready."""


def serve_status(
    host: str, port: int, report: Report, registry: CollectorRegistry, problems: Problems
) -> ThreadingHTTPServer:
    """Start serving in a daemon thread; ``shutdown()`` the returned server to stop."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/health/live":
                self._send(200, {"status": "UP"})
            elif self.path == "/health/ready":
                found = problems()
                if found:
                    self._send(503, {"status": "DOWN", "problems": found})
                else:
                    self._send(200, {"status": "UP"})
            elif self.path == "/status":
                self._send(200, report())
            elif self.path == "/metrics":
                self._write(200, CONTENT_TYPE_LATEST, generate_latest(registry))
            else:
                self._send(404, {"title": "Not Found", "status": 404})

        def _send(self, status: int, body: dict[str, Any]) -> None:
            self._write(status, "application/json", json.dumps(body).encode())

        def _write(self, status: int, content_type: str, data: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return  # status polls would drown the process log

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="status", daemon=True).start()
    return server
