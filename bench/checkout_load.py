"""Checkout load: concurrent API clients against the one-command stack, to a terminal status each.

Run: ``.venv/bin/python bench/checkout_load.py [--seconds 60] [--clients 32] [--failing-share 0.2]``

The stack is started exactly as `make run` starts it (local engine, SQLite files, every service,
workers and gateway as separate processes) on free ports in a scratch directory, unless
``--gateway-url`` and ``--api-key`` point at one already running. Each client loops: POST a checkout,
long-poll it until COMPLETED / COMPENSATED / FAILED, record the latency from POST to terminal status.
A share of the checkouts use a card that is declined, so the saga compensates them.

Two measurements: the mix, then the happy path alone. In the same run, two baselines: empty gRPC
unary round trips (the machine's raw request rate) and HTTP round trips to the gateway's liveness
endpoint (the web stack's floor). When the benchmark starts the stack itself, each measurement also
says how much CPU a checkout cost in each process (and in this load generator, which shares the
machine): the budget the throughput target leaves is cores / target rate. It also counts the HTTP
requests each process answered per checkout and the gRPC commands the engine answered (from their own
``/metrics``), and prices them at the least a request costs here, measured in the baselines (CPU per
empty gRPC round trip; the gateway's CPU per liveness answer): the transport floor, what a checkout
costs before any request does anything.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from support import cpu_seconds, free_port, load, machine, measure_echo  # bench/ is on sys.path as a script

from checkout_saga.catalogue import Scenario
from checkout_saga.demo import TERMINAL, follow
from checkout_saga.layout import SERVICE_NAMES, Ports, StackLayout
from checkout_saga.processes import Supervisor
from checkout_saga.stack import start_stack
from checkout_saga.stats import percentile

ROOT = Path(__file__).resolve().parent.parent
TARGET_PER_SECOND = 100
HTTP_SERVERS = ("gateway", "payment_provider", *SERVICE_NAMES)
"""The stack's processes that count the HTTP requests they answer (``http_server_requests_total``)."""
GRPC = "engine gRPC"
HAPPY = Scenario("happy path", "COMPLETED", 1)
DECLINED = Scenario("card declined", "COMPENSATED", 1, payment_token="tok_chargeDeclined")


@dataclass(frozen=True)
class Result:
    happy: bool
    status: str
    seconds: float


async def drive(gateway: str, key: str, seconds: float, clients: int, failing_share: float) -> list[Result]:
    results: list[Result] = []
    stop_at = time.perf_counter() + seconds
    rng = random.Random(7)
    limits = httpx.Limits(max_connections=clients * 2)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=gateway, headers=headers, timeout=60.0, limits=limits) as http:

        async def client(index: int) -> None:
            while time.perf_counter() < stop_at:
                happy = rng.random() >= failing_share
                outcome = await follow(http, HAPPY if happy else DECLINED, f"bench-{index}")
                results.append(Result(happy, outcome.status, outcome.seconds))

        await asyncio.gather(*(client(i) for i in range(clients)))
    return results


def report(label: str, results: list[Result], seconds: float) -> None:
    terminal = [r for r in results if r.status in TERMINAL]
    ms = [r.seconds * 1000 for r in terminal]
    statuses = Counter(r.status for r in results)
    compensated = statuses["COMPENSATED"] / len(terminal) if terminal else 0.0
    print(
        f"{label}: {len(terminal) / seconds:,.1f} checkouts/s reached a terminal status; "
        f"POST-to-terminal p50 {percentile(ms, 0.5):,.0f} ms, p99 {percentile(ms, 0.99):,.0f} ms; "
        f"compensation rate {compensated:.1%}; statuses {dict(statuses)}"
    )
    happy = [r.seconds * 1000 for r in terminal if r.happy]
    if happy and len(happy) != len(terminal):
        print(
            f"  of which happy path: p50 {percentile(happy, 0.5):,.0f} ms, p99 {percentile(happy, 0.99):,.0f} ms"
        )


def counted(metrics: str, sample_name: str) -> float:
    """The sum of a counter's ``sample_name`` over its labels in a ``/metrics`` text, health probes aside."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(metrics)
        for sample in family.samples
        if sample.name == sample_name and not sample.labels.get("route", "").startswith("/health")
    )


@dataclass(frozen=True)
class Floors:
    """What the least request costs in CPU on this machine, from the baselines."""

    grpc_round_trip_ms: float
    """An empty unary call, client and server together."""
    http_answer_ms: float
    """The gateway answering its liveness probe: the server side only."""


class StackMeter:
    """CPU used by the stack's processes (and this one), HTTP requests they answered and gRPC commands
    the engine answered, between :meth:`start` and :meth:`report`; nothing without ``processes`` (a
    stack this run did not start)."""

    def __init__(self, processes: dict[str, int], http_metrics: dict[str, str], engine_metrics: str) -> None:
        self._processes = processes
        self._http_metrics = http_metrics
        self._engine_metrics = engine_metrics
        self._began: dict[str, float] = {}
        self._counts: dict[str, float] = {}

    def cpu_seconds(self, name: str) -> float | None:
        """CPU time process ``name`` has used so far (None when this run did not start the stack)."""
        pid = self._processes.get(name)
        return None if pid is None else cpu_seconds(pid)

    def _cpu_now(self) -> dict[str, float]:
        used = {name: cpu_seconds(pid) for name, pid in self._processes.items()}
        used["load generator"] = time.process_time()
        return used

    def _counts_now(self) -> dict[str, float]:
        """HTTP requests answered per process so far, and under ``GRPC`` the engine's gRPC commands."""
        with httpx.Client(timeout=10.0) as http:
            counts = {
                name: counted(http.get(url).text, "http_server_requests_total")
                for name, url in self._http_metrics.items()
            }
            counts[GRPC] = counted(
                http.get(self._engine_metrics).text, "engine_command_duration_seconds_count"
            )
        return counts

    def start(self) -> None:
        if self._processes:
            self._counts = self._counts_now()
            self._began = self._cpu_now()

    def report(self, checkouts: int, floors: Floors | None) -> None:
        if not self._processes or not checkouts or floors is None:
            return
        now = self._cpu_now()
        per_checkout = {name: (now[name] - self._began[name]) * 1000 / checkouts for name in now}
        ranked = sorted(per_checkout.items(), key=lambda item: -item[1])
        parts = ", ".join(f"{name} {ms:.1f}" for name, ms in ranked if ms >= 0.05)
        budget = (os.cpu_count() or 1) * 1000 / TARGET_PER_SECOND
        print(
            f"  CPU per checkout: {sum(per_checkout.values()):.1f} ms ({parts}); "
            f"{TARGET_PER_SECOND}/s on {os.cpu_count()} cores allows {budget:.0f} ms"
        )
        counts = self._counts_now()
        per = {name: (counts[name] - self._counts[name]) / checkouts for name in counts}
        commands = per.pop(GRPC)
        # All of the process's CPU over its requests: the services do nothing else; the gateway also
        # runs its projection consumer.
        parts = ", ".join(
            f"{name} {count:.1f} ({per_checkout[name] / count:.1f} ms CPU per request)"
            for name, count in sorted(per.items(), key=lambda item: -item[1])
            if count > 0
        )
        answers = sum(per.values())
        print(f"  HTTP requests answered per checkout: {answers:.1f} ({parts})")
        floor = answers * floors.http_answer_ms + commands * floors.grpc_round_trip_ms
        print(
            f"  transport floor: {answers:.1f} HTTP answers x {floors.http_answer_ms:.2f} ms + "
            f"{commands:.1f} engine gRPC commands x {floors.grpc_round_trip_ms:.2f} ms = {floor:.1f} ms "
            f"per checkout of the {budget:.0f} ms budget, before any handler, HTTP client, database, "
            "engine or event work"
        )


async def measured_drive(
    args: argparse.Namespace,
    gateway: str,
    key: str,
    failing_share: float,
    meter: StackMeter,
    floors: Floors | None,
    label: str,
) -> None:
    meter.start()
    results = await drive(gateway, key, args.seconds, args.clients, failing_share)
    report(label, results, args.seconds)
    meter.report(sum(r.status in TERMINAL for r in results), floors)


async def measure(args: argparse.Namespace, gateway: str, key: str, meter: StackMeter) -> None:
    echo = await measure_echo(5.0, args.clients)
    gateway_cpu = meter.cpu_seconds("gateway")
    async with httpx.AsyncClient(base_url=gateway, timeout=10.0) as http:
        answered = len(await load(lambda: http.get("/health/live"), 5.0, args.clients))
    baseline = (
        f"baseline: empty gRPC unary round trips {echo.per_second:,.0f}/s, {echo.cpu_ms:.2f} ms CPU each "
        f"(client and server); gateway HTTP round trips {answered / 5.0:,.0f}/s"
    )
    floors = None
    if gateway_cpu is not None:
        used = (meter.cpu_seconds("gateway") or 0.0) - gateway_cpu
        floors = Floors(echo.cpu_ms, used * 1000 / answered)
        baseline += f", {floors.http_answer_ms:.2f} ms of the gateway's CPU each (liveness)"
    print(baseline)
    await drive(gateway, key, 5.0, args.clients, args.failing_share)  # warm-up, not reported
    mix = f"mix ({args.failing_share:.0%} declined cards)"
    await measured_drive(args, gateway, key, args.failing_share, meter, floors, mix)
    await measured_drive(args, gateway, key, 0.0, meter, floors, "happy path alone")
    print(f"targets on 2 cores: >= {TARGET_PER_SECOND} checkouts/s with p99 < 500 ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="per measurement (default 60)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent API clients (default 32)")
    parser.add_argument(
        "--failing-share", type=float, default=0.2, help="share of declined cards (default 0.2)"
    )
    parser.add_argument("--gateway-url", help="use this running stack instead of starting one")
    parser.add_argument("--api-key", help="API key for --gateway-url")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"load: {args.clients} clients, {args.seconds:g} s per measurement")
    if args.gateway_url:
        asyncio.run(measure(args, args.gateway_url, args.api_key, StackMeter({}, {}, "")))
        return
    key = uuid.uuid4().hex
    with tempfile.TemporaryDirectory(prefix="checkout-bench-") as scratch:
        names = list(Ports.__dataclass_fields__)
        layout = StackLayout(
            var_dir=Path(scratch), api_keys=f"bench={key}", ports=Ports(**{n: free_port() for n in names})
        )
        supervisor = Supervisor(Path(scratch) / "log")
        try:
            began = time.perf_counter()
            start_stack(layout, supervisor, ROOT / "bpmn", verbose=False)
            print(
                f"stack started in {time.perf_counter() - began:.1f} s ({len(supervisor.running)} processes)"
            )
            processes = {running.spec.name: running.process.pid for running in supervisor.running}
            meter = StackMeter(
                processes,
                {name: layout.url(name, "/metrics") for name in HTTP_SERVERS},
                layout.url("engine_http", "/metrics"),
            )
            asyncio.run(measure(args, layout.url("gateway"), key, meter))
        finally:
            supervisor.stop_all()


if __name__ == "__main__":
    main()
