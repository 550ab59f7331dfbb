"""What every benchmark needs: the machine it ran on, free ports, a load loop and the raw gRPC baseline."""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import grpc

ECHO_SERVER = """
import asyncio, sys, grpc
async def main():
    server = grpc.aio.server()
    handler = grpc.method_handlers_generic_handler(
        "bench.Echo", {"Ping": grpc.unary_unary_rpc_method_handler(lambda request, context: b"")})
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    print(port, flush=True)
    await server.wait_for_termination()
asyncio.run(main())
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) process ``pid`` has used so far, from ``/proc`` (0.0 where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def load(call: Callable[[], Awaitable[object]], seconds: float, concurrency: int) -> list[float]:
    """Run ``call`` from ``concurrency`` loops for ``seconds``; returns the latency of each call."""
    latencies: list[float] = []
    stop_at = time.perf_counter() + seconds

    async def loop() -> None:
        while time.perf_counter() < stop_at:
            began = time.perf_counter()
            await call()
            latencies.append(time.perf_counter() - began)

    await asyncio.gather(*(loop() for _ in range(concurrency)))
    return latencies


@dataclass(frozen=True)
class EchoBaseline:
    per_second: float
    cpu_ms: float
    """CPU time of one round trip, client and server together (both Python, on this machine)."""


async def measure_echo(seconds: float, concurrency: int) -> EchoBaseline:
    """Empty gRPC unary round trips against a server in its own process: the machine's raw request
    rate, the baseline the benchmarks compare against, and what one round trip costs in CPU."""
    server = subprocess.Popen([sys.executable, "-c", ECHO_SERVER], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            ping = channel.unary_unary("/bench.Echo/Ping")  # type: ignore[call-arg]
            await ping(b"")
            began = cpu_seconds(server.pid) + time.process_time()
            latencies = await load(lambda: ping(b""), seconds, concurrency)
            used = cpu_seconds(server.pid) + time.process_time() - began
        return EchoBaseline(len(latencies) / seconds, used * 1000 / len(latencies))
    finally:
        server.terminate()
        server.wait()
