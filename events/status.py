"""A small status endpoint for the relay and consumer processes: liveness, and what they are doing.

``GET /health/live`` answers once the process runs; ``GET /status`` gives the JSON that ``report()``
returns (relays: who holds which outbox lease, events published; consumers: lag per partition).
The standard library's threaded server is enough for a handful of operator requests.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Report = Callable[[], dict[str, Any]]


def serve_status(host: str, port: int, report: Report) -> ThreadingHTTPServer:
    """Start serving in a daemon thread; ``shutdown()`` the returned server to stop."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/health/live":
                self._send(200, {"status": "UP"})
            elif self.path == "/status":
                self._send(200, report())
            else:
                self._send(404, {"title": "Not Found", "status": 404})

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return  # status polls would drown the process log

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="status", daemon=True).start()
    return server
