"""Timing the gateway's RPCs into ``engine_command_duration_seconds``, labelled by gRPC method name."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from time import perf_counter
from typing import Any, Protocol, TypeVar

from engine.metrics.latency import CommandLatency


class Timed(Protocol):
    latency: CommandLatency


S = TypeVar("S", bound=Timed)
Request = TypeVar("Request")
Reply = TypeVar("Reply")


def timed(
    rpc: Callable[[S, Request, Any], Awaitable[Reply]],
) -> Callable[[S, Request, Any], Awaitable[Reply]]:
    """Time a unary RPC from the moment the servicer gets the request until it has its answer (or aborts).

    The label is the method's own name, which is the gRPC method name: the set of label values is the
    fixed set of RPCs the servicer implements.
    """
    command = rpc.__name__

    @functools.wraps(rpc)
    async def measured(self: S, request: Request, context: Any) -> Reply:
        # try/finally rather than ``latency.measure``: no generator-based context manager per call.
        started = perf_counter()
        try:
            return await rpc(self, request, context)
        finally:
            self.latency.observe(command, perf_counter() - started)

    return measured


def implemented_rpcs(servicer: type, base: type) -> list[str]:
    """The RPCs of ``base`` (a generated servicer) that ``servicer`` overrides, i.e. actually serves."""
    return [
        name
        for name in dir(base)
        if not name.startswith("_") and getattr(servicer, name, None) is not getattr(base, name)
    ]
