"""``checkout-saga demo --count N``: start N checkouts through the gateway with a mix of outcomes, follow
each to its end, and print what happened and how long it took."""

from __future__ import annotations

import asyncio
import random
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass

import httpx

from checkout_saga.catalogue import SCENARIOS, Scenario
from checkout_saga.stats import percentile

TERMINAL = frozenset({"COMPLETED", "COMPENSATED", "FAILED"})
FOLLOW_LIMIT_SECONDS = 120.0


@dataclass(frozen=True)
class Outcome:
    scenario: Scenario
    status: str
    seconds: float


class Progress:
    """A one-line progress bar on stderr (only on a terminal: a log gets no carriage-return noise)."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.shown = sys.stderr.isatty()

    def advance(self) -> None:
        self.done += 1
        if not self.shown:
            return
        width = 40
        filled = width * self.done // self.total
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}")
        if self.done == self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


async def follow(http: httpx.AsyncClient, scenario: Scenario, customer: str) -> Outcome:
    """POST one checkout and long-poll it until it is terminal (or the follow limit passes)."""
    started = time.perf_counter()
    created = await http.post(
        "/v1/checkouts", json=scenario.body(customer), headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    if created.status_code != 202:
        return Outcome(scenario, f"HTTP {created.status_code}", time.perf_counter() - started)
    location = created.headers["Location"]
    status = created.json()["status"]
    while status not in TERMINAL and time.perf_counter() - started < FOLLOW_LIMIT_SECONDS:
        answer = await http.get(location, params={"wait": 30})
        status = answer.json()["status"] if answer.is_success else f"HTTP {answer.status_code}"
    return Outcome(scenario, status, time.perf_counter() - started)


async def run_demo(gateway_url: str, api_key: str, count: int, concurrency: int, seed: int) -> list[Outcome]:
    rng = random.Random(seed)
    chosen = rng.choices(SCENARIOS, weights=[s.weight for s in SCENARIOS], k=count)
    progress = Progress(count)
    limit = asyncio.Semaphore(concurrency)
    headers = {"Authorization": f"Bearer {api_key}"}
    async with httpx.AsyncClient(base_url=gateway_url, headers=headers, timeout=40.0) as http:

        async def one(index: int, scenario: Scenario) -> Outcome:
            async with limit:
                outcome = await follow(http, scenario, f"cust-{index % 7}")
            progress.advance()
            return outcome

        return await asyncio.gather(*(one(i, s) for i, s in enumerate(chosen)))


def summary(outcomes: list[Outcome]) -> str:
    """A table: per scenario, how many, what they ended as, and latency percentiles (POST to end)."""
    by_scenario: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_scenario[outcome.scenario.name].append(outcome)
    rows = [("scenario", "n", "expected", "ended as", "p50 ms", "p99 ms")]
    for name, group in by_scenario.items():
        ended = Counter(o.status for o in group)
        latencies = [o.seconds * 1000 for o in group]
        rows.append(
            (
                name,
                str(len(group)),
                group[0].scenario.expected,
                ", ".join(f"{status} {n}" for status, n in ended.most_common()),
                f"{percentile(latencies, 0.5):.0f}",
                f"{percentile(latencies, 0.99):.0f}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    all_ms = [o.seconds * 1000 for o in outcomes]
    unexpected = sum(1 for o in outcomes if o.status != o.scenario.expected)
    lines.append("")
    lines.append(
        f"{len(outcomes)} checkouts, {unexpected} not as expected; latency POST to end: "
        f"p50 {percentile(all_ms, 0.5):.0f} ms, p95 {percentile(all_ms, 0.95):.0f} ms, "
        f"p99 {percentile(all_ms, 0.99):.0f} ms"
    )
    return "\n".join(lines)
