"""Timers: intermediate catch events and boundary events (duration, cycle, date); they never fire early.

Durations are kept short (0.3-0.6 s); "never early" is checked with the read API's start and end dates
of the timer's flow node, which the engine records when the element was entered and left.
"""

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
from pyzeebe import ZeebeClient

from tests.integration.engine import diagrams as d
from tests.integration.engine.conftest import Deploy
from tests.integration.engine.observe import Jobs, ReadApi, duration_millis, epoch_millis, rpc_error


async def start(client: ZeebeClient, process_id: str, variables: dict[str, Any] | None = None) -> int:
    return (await client.run_process(process_id, variables or {})).process_instance_key


def timer_catch_process(process_id: str, duration: str) -> bytes:
    return d.process(
        process_id, d.start(), d.timer_catch("pause", duration), d.end(), d.chain("start", "pause", "end")
    )


async def test_intermediate_timer_catch_waits_for_its_duration(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(timer_catch_process("short_pause", "PT0.5S"))
    began = time.monotonic()
    key = await start(client, "short_pause")

    assert await read_api.active(key) == ["pause"]
    await read_api.wait_completed(key)

    assert time.monotonic() - began >= 0.5
    (pause,) = await read_api.flow_nodes(key, flowNodeId="pause")
    assert duration_millis(pause) >= 499  # dates are rounded to the millisecond
    assert await read_api.ran(key) == ["start", "pause", "end"]


async def test_timer_duration_can_be_a_feel_expression(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(timer_catch_process("feel_pause", "=wait"))
    key = await start(client, "feel_pause", {"wait": "PT0.3S"})

    await read_api.wait_completed(key)

    (pause,) = await read_api.flow_nodes(key, flowNodeId="pause")
    assert duration_millis(pause) >= 299


async def test_timer_date_in_the_past_fires_at_once(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "past_date",
            d.start(),
            d.timer_catch_cycle("until", "2020-01-01T00:00:00Z", kind="timeDate"),
            d.end(),
            d.chain("start", "until", "end"),
        )
    )

    key = await start(client, "past_date")

    await read_api.wait_completed(key, timeout=2)


async def test_timer_date_fires_at_that_date_and_not_before(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "future_date",
            d.start(),
            d.timer_catch_cycle("until", "=due", kind="timeDate"),
            d.end(),
            d.chain("start", "until", "end"),
        )
    )
    due = datetime.now(UTC) + timedelta(seconds=0.6)

    key = await start(
        client, "future_date", {"due": due.isoformat(timespec="milliseconds").replace("+00:00", "Z")}
    )

    await read_api.wait_completed(key)
    (until,) = await read_api.flow_nodes(key, flowNodeId="until")
    assert epoch_millis(until["endDate"]) >= round(due.timestamp() * 1000) - 1


def task_with_timer(process_id: str, timer: str, *, interrupting: bool, kind: str = "timeDuration") -> bytes:
    return d.process(
        process_id,
        d.start(),
        d.service_task("work", "timers.work"),
        d.end(),
        d.chain("start", "work", "end"),
        d.timer_boundary("reminder", "work", timer, interrupting=interrupting, kind=kind),
        d.end("reminded"),
        d.flow("reminder", "reminded"),
    )


async def test_interrupting_timer_boundary_terminates_a_task_nobody_completes(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(task_with_timer("deadline", "PT0.4S", interrupting=True))
    key = await start(client, "deadline")
    job = await jobs.one("timers.work")

    await read_api.wait_completed(key)

    assert await read_api.ran(key) == ["start", "reminder", "reminded"]
    (work,) = await read_api.flow_nodes(key, flowNodeId="work")
    assert work["state"] == "TERMINATED"
    assert duration_millis(work) >= 399
    assert (await rpc_error(jobs.complete(job.key))).code() == grpc.StatusCode.NOT_FOUND


async def test_non_interrupting_duration_timer_boundary_fires_once_and_the_task_goes_on(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(task_with_timer("nudge", "PT0.3S", interrupting=False))
    key = await start(client, "nudge")
    job = await jobs.one("timers.work")

    await read_api.wait_flow_node(key, "reminded")
    assert await read_api.active(key) == ["work"]

    await jobs.complete(job.key)
    await read_api.wait_completed(key)
    assert len(await read_api.flow_nodes(key, flowNodeId="reminder")) == 1


async def test_non_interrupting_cycle_timer_boundary_fires_the_given_number_of_times(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(task_with_timer("cycle", "R2/PT0.3S", interrupting=False, kind="timeCycle"))
    key = await start(client, "cycle")
    job = await jobs.one("timers.work")

    fired = await read_api.wait_flow_node(key, "reminder", count=2, timeout=3)
    await asyncio.sleep(0.45)  # a third firing would be due 0.3 s after the second

    assert len(await read_api.flow_nodes(key, flowNodeId="reminder")) == 2
    (work,) = await read_api.flow_nodes(key, flowNodeId="work")
    offsets = [epoch_millis(f["startDate"]) - epoch_millis(work["startDate"]) for f in fired]
    assert offsets[0] >= 299
    assert offsets[1] >= 599
    assert await read_api.active(key) == ["work"]
    await jobs.complete(job.key)
    await read_api.wait_completed(key)


async def test_timer_boundary_is_cancelled_when_the_task_completes_first(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(task_with_timer("in_time", "PT0.3S", interrupting=True))
    key = await start(client, "in_time")

    await jobs.complete((await jobs.one("timers.work")).key)
    await read_api.wait_completed(key)
    await asyncio.sleep(0.4)  # past the timer's due date

    assert await read_api.ran(key) == ["start", "work", "end"]
    assert await read_api.flow_nodes(key, flowNodeId="reminder") == []


async def test_cancelled_instance_does_not_fire_its_timers(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(timer_catch_process("cancelled", "PT0.3S"))
    key = await start(client, "cancelled")

    await client.cancel_process_instance(key)
    await asyncio.sleep(0.4)  # past the timer's due date

    assert (await read_api.instance(key) or {})["state"] == "CANCELED"
    assert [n["state"] for n in await read_api.flow_nodes(key, flowNodeId="pause")] == ["TERMINATED"]
    assert await read_api.flow_nodes(key, flowNodeId="end") == []


async def test_interrupting_timer_boundary_on_a_subprocess_terminates_everything_inside(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "sub_deadline",
            d.start(),
            d.sub_process(
                "sub",
                d.start("sub_start"),
                d.gateway("parallelGateway", "fork"),
                d.service_task("left", "timers.left"),
                d.service_task("right", "timers.right"),
                d.chain("sub_start", "fork"),
                d.chain("fork", "left"),
                d.chain("fork", "right"),
            ),
            d.end(),
            d.chain("start", "sub", "end"),
            d.timer_boundary("too_slow", "sub", "PT0.3S"),
            d.end("timed_out"),
            d.flow("too_slow", "timed_out"),
        )
    )
    key = await start(client, "sub_deadline")
    left = await jobs.one("timers.left")

    await read_api.wait_completed(key)

    states = {n["flowNodeId"]: n["state"] for n in await read_api.flow_nodes(key)}
    assert (states["sub"], states["left"], states["right"]) == ("TERMINATED", "TERMINATED", "TERMINATED")
    assert states["timed_out"] == "COMPLETED"
    assert (await rpc_error(jobs.complete(left.key))).code() == grpc.StatusCode.NOT_FOUND
