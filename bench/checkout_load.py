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
machine): the budget the throughput target leaves is cores / target rate. It also says how many HTTP
requests each process answered per checkout (from its own ``/metrics``) and so what one of them cost,
next to the gateway's CPU per liveness request measured in the baseline: the least any request costs,
whatever it does.
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


def answered_requests(metrics: str) -> float:
    """HTTP requests a process has answered so far, from its ``/metrics`` text; health probes aside."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(metrics)
        if family.name == "http_server_requests"
        for sample in family.samples
        if sample.name.endswith("_total") and not sample.labels["route"].startswith("/health")
    )


class StackMeter:
    """CPU used by the stack's processes (and this one), and HTTP requests they answered, between
    :meth:`start` and :meth:`report`."""

    def __init__(self, processes: dict[str, int], metrics_urls: dict[str, str]) -> None:
        self._processes = processes
        self._metrics_urls = metrics_urls
        self._began: dict[str, float] = {}
        self._answered: dict[str, float] = {}

    def cpu_seconds(self, name: str) -> float | None:
        """CPU time process ``name`` has used so far (None when this run did not start the stack)."""
        pid = self._processes.get(name)
        return None if pid is None else cpu_seconds(pid)

    def _cpu_now(self) -> dict[str, float]:
        used = {name: cpu_seconds(pid) for name, pid in self._processes.items()}
        used["load generator"] = time.process_time()
        return used

    def _answered_now(self) -> dict[str, float]:
        with httpx.Client(timeout=10.0) as http:
            return {name: answered_requests(http.get(url).text) for name, url in self._metrics_urls.items()}

    def start(self) -> None:
        self._answered = self._answered_now()
        self._began = self._cpu_now()

    def report(self, checkouts: int) -> None:
        if not self._processes or not checkouts:
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
        answered = self._answered_now()
        requests = {name: (answered[name] - self._answered[name]) / checkouts for name in answered}
        # All of the process's CPU over its requests: the services do nothing else; the gateway also
        # runs its projection consumer.
        parts = ", ".join(
            f"{name} {count:.1f} ({per_checkout[name] / count:.1f} ms CPU per request)"
            for name, count in sorted(requests.items(), key=lambda item: -item[1])
            if count > 0
        )
        print(f"  HTTP requests answered per checkout: {sum(requests.values()):.1f} ({parts})")


async def measured_drive(
    args: argparse.Namespace, gateway: str, key: str, failing_share: float, meter: StackMeter, label: str
) -> None:
    meter.start()
    results = await drive(gateway, key, args.seconds, args.clients, failing_share)
    report(label, results, args.seconds)
    meter.report(sum(r.status in TERMINAL for r in results))


async def measure(args: argparse.Namespace, gateway: str, key: str, meter: StackMeter) -> None:
    echo = await measure_echo(5.0, args.clients)
    gateway_cpu = meter.cpu_seconds("gateway")
    async with httpx.AsyncClient(base_url=gateway, timeout=10.0) as http:
        answered = len(await load(lambda: http.get("/health/live"), 5.0, args.clients))
    baseline = (
        f"baseline: empty gRPC unary round trips {echo:,.0f}/s; "
        f"gateway HTTP round trips {answered / 5.0:,.0f}/s"
    )
    if gateway_cpu is not None:
        used = (meter.cpu_seconds("gateway") or 0.0) - gateway_cpu
        baseline += f", {used * 1000 / answered:.2f} ms of the gateway's CPU each (liveness)"
    print(baseline)
    await drive(gateway, key, 5.0, args.clients, args.failing_share)  # warm-up, not reported
    mix = f"mix ({args.failing_share:.0%} declined cards)"
    await measured_drive(args, gateway, key, args.failing_share, meter, mix)
    await measured_drive(args, gateway, key, 0.0, meter, "happy path alone")
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
        asyncio.run(measure(args, args.gateway_url, args.api_key, StackMeter({}, {})))
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
            metrics = {name: layout.url(name, "/metrics") for name in HTTP_SERVERS}
            asyncio.run(measure(args, layout.url("gateway"), key, StackMeter(processes, metrics)))
        finally:
            supervisor.stop_all()


if __name__ == "__main__":
    main()
