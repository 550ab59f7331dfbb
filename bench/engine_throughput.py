"""Engine throughput: a one-service-task process driven by pyzeebe's client and worker at full load.

Run: ``.venv/bin/python bench/engine_throughput.py [--seconds 30] [--concurrency 64]``

The engine runs in its own process (as ``make run`` runs it); this process drives it with
``CreateProcessInstanceWithResult`` calls (start-to-complete latency per call) and a pyzeebe worker
completing the jobs. In the same run, an empty gRPC unary service is measured with the same client
concurrency: the ratio between the two says how much of the machine's raw gRPC round-trip capacity
one process instance costs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path

from pyzeebe import ZeebeClient, ZeebeWorker, create_insecure_channel
from support import free_port, load, machine, measure_echo  # bench/ is on sys.path when run as a script

from checkout_saga.stats import percentile

ROOT = Path(__file__).resolve().parent.parent
PROCESS = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="bench" targetNamespace="http://example.com/bench">
  <bpmn:process id="bench_one_task" isExecutable="true">
    <bpmn:startEvent id="start" name="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task"/>
    <bpmn:serviceTask id="task" name="task">
      <bpmn:extensionElements><zeebe:taskDefinition type="bench"/></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end"/>
    <bpmn:endEvent id="end" name="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


async def measure_engine(
    seconds: float, concurrency: int, data_dir: Path, history: int
) -> list[tuple[int, float, float, float]]:
    """Rate and latencies on a fresh engine, and again once ``history`` instances have completed."""
    port, http_port = free_port(), free_port()
    command = [sys.executable, "-m", "engine", "serve", "--port", str(port), "--http-port", str(http_port),
               "--data-dir", str(data_dir)]  # fmt: skip
    engine = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert engine.stdout is not None
        ready = engine.stdout.readline()
        if "engine ready" not in ready:
            raise RuntimeError(f"engine did not start: {ready!r}")
        channel = create_insecure_channel(grpc_address=f"127.0.0.1:{port}")
        client = ZeebeClient(channel)
        diagram = data_dir / "bench.bpmn"
        diagram.write_bytes(PROCESS)
        await client.deploy_resource(str(diagram))
        worker = ZeebeWorker(channel, poll_retry_delay=0)

        @worker.task(task_type="bench", max_jobs_to_activate=64, max_running_jobs=256)  # type: ignore[arg-type]
        async def bench() -> dict[str, object]:
            return {}

        def start() -> Awaitable[object]:
            return client.run_process_with_result("bench_one_task", {}, timeout=10_000)

        working = asyncio.create_task(worker.work())
        await start()  # warm-up
        latencies = await load(start, seconds, concurrency)
        completed = len(latencies) + 1
        results = [
            (completed, len(latencies) / seconds, percentile(latencies, 0.5), percentile(latencies, 0.99))
        ]
        if history > completed:
            remaining = [history - completed]

            async def fill() -> None:
                while remaining[0] > 0:
                    remaining[0] -= 1
                    await start()

            began = time.perf_counter()
            await asyncio.gather(*(fill() for _ in range(concurrency)))
            print(
                f"history: {history:,} completed instances on disk (filled in {time.perf_counter() - began:.0f} s)"
            )
            latencies = await load(start, seconds, concurrency)
            results.append(
                (history, len(latencies) / seconds, percentile(latencies, 0.5), percentile(latencies, 0.99))
            )
        await worker.stop()
        working.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await working
        await channel.close(grace=None)
        return results
    finally:
        engine.terminate()
        engine.wait()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument(
        "--history",
        type=int,
        default=0,
        help="measure again once this many instances completed (e.g. 100000)",
    )
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"load: {args.concurrency} concurrent callers, {args.seconds:g} s per measurement")
    echo_rate = (await measure_echo(args.seconds, args.concurrency)).per_second
    print(f"baseline: empty gRPC unary round trips: {echo_rate:,.0f}/s")
    with tempfile.TemporaryDirectory(prefix="engine-bench-") as data_dir:
        results = await measure_engine(args.seconds, args.concurrency, Path(data_dir), args.history)
    for history, rate, p50, p99 in results:
        print(
            f"engine with {history:,} instances on disk: {rate:,.0f} completed instances/s, "
            f"start-to-complete p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
            f"{rate / echo_rate:.3f} instances per empty round trip"
        )
    if len(results) == 2:
        print(f"history effect: {results[1][1] / results[0][1]:.2f} x the fresh rate (target: within 20%)")
    print("targets on 2 cores: >= 500 instances/s with p99 < 100 ms")


if __name__ == "__main__":
    asyncio.run(main())
