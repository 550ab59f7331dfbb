"""The engine as a separate OS process, for tests that kill it with SIGKILL and restart it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EngineProcess:
    """``python -m engine serve`` on fixed free ports and a data directory that outlives the process."""

    def __init__(self, data_dir: Path, env: Mapping[str, str] | None = None) -> None:
        """``env``: variables set for the engine on top of the test's environment (``OTEL_*``...)."""
        self.data_dir = data_dir
        self.env = dict(env or {})
        self.port = free_port()
        self.http_port = free_port()
        self._process: subprocess.Popen[str] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self) -> None:
        command = [
            sys.executable, "-m", "engine", "serve", "--port", str(self.port), "--http-port", str(self.http_port),
            "--data-dir", str(self.data_dir),
        ]  # fmt: skip
        self._process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **self.env},
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if "engine ready" not in line:
            rest = self._process.stdout.read() if self._process.poll() is not None else ""
            raise RuntimeError(f"engine did not start: {line}{rest}")

    def kill(self) -> None:
        """SIGKILL: no chance to flush or close anything."""
        assert self._process is not None
        self._process.send_signal(signal.SIGKILL)
        self._process.wait()

    def terminate(self) -> int:
        assert self._process is not None
        if self._process.poll() is None:
            self._process.terminate()
        return self._process.wait(timeout=15)
