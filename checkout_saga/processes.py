"""Start the stack's processes, wait until each answers, and stop them all in reverse order.

Each child gets its own session (so Ctrl-C in the terminal reaches only this supervisor, which then
stops the children in order) and its own log file under ``var/log``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

READY_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 20.0


class StartFailed(RuntimeError):
    """A process exited or did not become ready; the message names it and shows its log's tail."""


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    argv: list[str]
    ready_url: str
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Running:
    spec: ProcessSpec
    process: subprocess.Popen[bytes]
    log: Path


def _answers(url: str) -> bool:
    try:
        httpx.get(url, timeout=1.0)
    except httpx.HTTPError:
        return False
    return True


def python_module(module: str, *args: str) -> list[str]:
    """argv that runs ``python -m module`` with this interpreter (the project's virtualenv)."""
    return [sys.executable, "-m", module, *args]


class Supervisor:
    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.running: list[Running] = []

    def start(self, spec: ProcessSpec) -> None:
        """Start ``spec`` and return once its ready URL answers 2xx; raise :class:`StartFailed` if not."""
        if _answers(spec.ready_url):
            raise StartFailed(
                f"{spec.name}: something already answers on {spec.ready_url} (another stack still running?)"
            )
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_dir / f"{spec.name}.log"
        with log.open("ab") as sink:
            process = subprocess.Popen(
                spec.argv,
                stdout=sink,
                stderr=subprocess.STDOUT,
                env={**spec.env, **os.environ},  # what the user exported wins over the layout's defaults
                start_new_session=True,
            )
        running = Running(spec, process, log)
        self.running.append(running)
        self._wait_ready(running)

    def _wait_ready(self, running: Running) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        with httpx.Client(timeout=2.0) as http:
            while time.monotonic() < deadline:
                if running.process.poll() is not None:
                    raise StartFailed(
                        self._failure(running, f"exited with status {running.process.returncode}")
                    )
                try:
                    if http.get(running.spec.ready_url).is_success:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
        raise StartFailed(self._failure(running, f"not ready within {READY_TIMEOUT_SECONDS:.0f} s"))

    @staticmethod
    def _failure(running: Running, what: str) -> str:
        lines = running.log.read_text(errors="replace").splitlines()[-20:]
        tail = "\n".join(f"    {line}" for line in lines)
        return f"{running.spec.name} {what} ({running.spec.ready_url}); last lines of {running.log}:\n{tail}"

    def _find(self, name: str) -> Running:
        return next(r for r in self.running if r.spec.name == name)

    def send_signal(self, name: str, sig: signal.Signals) -> None:
        """Send ``sig`` to process ``name`` (SIGSTOP / SIGCONT freeze and thaw it)."""
        self._find(name).process.send_signal(sig)

    def kill(self, name: str, sig: signal.Signals = signal.SIGKILL) -> None:
        """Send ``sig`` to process ``name`` and wait for it to exit (a crash, when SIGKILL)."""
        self.send_signal(name, sig)
        self._find(name).process.wait(timeout=STOP_TIMEOUT_SECONDS)

    def restart(self, name: str) -> None:
        """Start process ``name`` again, in place, once it has exited (after :meth:`kill`)."""
        running = self._find(name)
        index = self.running.index(running)
        self.running.remove(running)
        self.start(running.spec)
        self.running.insert(index, self.running.pop())

    def dead(self) -> list[str]:
        """Names of started processes that have exited on their own."""
        return [r.spec.name for r in self.running if r.process.poll() is not None]

    def stop_all(self) -> None:
        """SIGTERM in reverse start order (gateway and workers before the services they call); SIGKILL
        whatever has not exited after STOP_TIMEOUT_SECONDS."""
        for running in reversed(self.running):
            if running.process.poll() is None:
                running.process.send_signal(signal.SIGTERM)
                try:
                    running.process.wait(timeout=STOP_TIMEOUT_SECONDS)
                except subprocess.TimeoutExpired:
                    running.process.kill()
                    running.process.wait()
        self.running.clear()
