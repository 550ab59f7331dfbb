"""The histogram of gRPC command latencies, ``engine_command_duration_seconds{command}``."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Histogram

COMMAND_DURATION = "engine_command_duration_seconds"

BUCKETS = (
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
)  # fmt: skip
"""A command is answered once its group commit is on disk: well under a millisecond with
``synchronous=NORMAL``, a few milliseconds per fsync with ``FULL``, seconds only when writes queue up.
The 30 s bucket separates CreateProcessInstanceWithResult calls that run to the gateway's 15 s request
timeout from those that go beyond it."""


class CommandLatency:
    """Observes how long each command took, labelled by its gRPC method name (a small, fixed set)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._histogram = Histogram(
            COMMAND_DURATION,
            "Time the engine took to serve a gRPC command, from receiving it to answering it "
            "(for job activation: one activation attempt, without the wait for jobs).",
            ["command"],
            buckets=BUCKETS,
            registry=registry,
        )
        self._children: dict[str, Histogram] = {}

    def declare(self, commands: Iterable[str]) -> None:
        """Expose every command's series at zero from the start, so rates exist before the first call."""
        for command in commands:
            self._child(command)

    def observe(self, command: str, seconds: float) -> None:
        """Record one command that took ``seconds``; the gateway calls this once per RPC."""
        child = self._children.get(command)
        if child is None:
            child = self._child(command)
        child.observe(seconds)

    @contextmanager
    def measure(self, command: str) -> Iterator[None]:
        """Time the block; failed and rejected commands count too, since their callers waited as well."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.observe(command, time.perf_counter() - started)

    def _child(self, command: str) -> Histogram:
        """The labelled series of ``command``, kept: ``labels()`` takes a lock and builds a key each call,
        a measurable share of a cheap command's CPU."""
        child = self._children[command] = self._histogram.labels(command)
        return child
