"""Compensation (Zeebe 8.5+): the checkout saga undoes completed steps through compensation handlers.

Each compensable step ``X`` is a service task of type ``comp.X`` with a compensation boundary event
``X_comp`` associated with the handler ``undo_X`` (type ``comp.undo_X``).
"""

import asyncio
import json
from collections import Counter
from typing import Any

import grpc
from pyzeebe import Job, ZeebeClient, ZeebeWorker
from pyzeebe.errors import BusinessError

from tests.integration.engine import diagrams as d
from tests.integration.engine.conftest import Deploy, run_worker
from tests.integration.engine.observe import Jobs, ReadApi, rpc_error

ERRORS = [d.error_definition("failed", "FAILED")]


def compensable(step: str) -> str:
    """Service task ``step`` with its compensation boundary event and handler ``undo_<step>``."""
    return "\n".join(
        [
            d.service_task(step, f"comp.{step}"),
            d.compensation_boundary(f"{step}_comp", step, f"undo_{step}"),
            d.service_task(f"undo_{step}", f"comp.undo_{step}", for_compensation=True),
        ]
    )


async def start(client: ZeebeClient, process_id: str, variables: dict[str, Any] | None = None) -> int:
    return (await client.run_process(process_id, variables or {})).process_instance_key


async def complete_steps(jobs: Jobs, *steps: str) -> None:
    for step in steps:
        await jobs.complete((await jobs.one(f"comp.{step}")).key)


async def handlers_run(read_api: ReadApi, key: int) -> Counter[str]:
    """How often each compensation handler completed."""
    return Counter(
        n["flowNodeId"]
        for n in await read_api.flow_nodes(key, state="COMPLETED")
        if n["flowNodeId"].startswith("undo_")
    )


def recording_worker(worker: ZeebeWorker, steps: list[str], record: list[str]) -> None:
    """Forward steps and their handlers, completed by ``worker``; handler completions go to ``record``."""
    for step in steps:

        @worker.task(task_type=f"comp.{step}")
        async def forward(job: Job) -> dict[str, Any]:
            return {}

        @worker.task(task_type=f"comp.undo_{step}")
        async def undo(job: Job) -> dict[str, Any]:
            record.append(job.element_id)
            return {}


async def test_throw_without_activity_ref_compensates_every_completed_compensable_activity(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "all",
            d.start(),
            compensable("A"),
            compensable("B"),
            d.service_task("plain", "comp.plain"),
            d.compensation_throw("compensate"),
            d.end(),
            d.chain("start", "A", "B", "plain", "compensate", "end"),
        )
    )
    key = await start(client, "all")
    await complete_steps(jobs, "A", "B", "plain")

    handlers = await jobs.wait("comp.undo_A") + await jobs.wait("comp.undo_B")
    for job in handlers:
        await jobs.complete(job.key)

    await read_api.wait_completed(key)
    assert await handlers_run(read_api, key) == {"undo_A": 1, "undo_B": 1}


async def test_handler_runs_once_per_completion_of_its_activity(
    deploy: Deploy, client: ZeebeClient, worker: ZeebeWorker, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "loop",
            d.start(),
            compensable("A"),
            d.gateway("exclusiveGateway", "again", default="again_to_B"),
            compensable("B"),
            d.compensation_throw("compensate"),
            d.end(),
            d.chain("start", "A", "again"),
            d.flow("again", "A", condition="=count < 3", flow_id="again_to_A"),
            d.flow("again", "B", flow_id="again_to_B"),
            d.chain("B", "compensate", "end"),
        )
    )
    record: list[str] = []

    @worker.task(task_type="comp.A")
    async def step_a(count: int) -> dict[str, Any]:
        return {"count": count + 1}

    @worker.task(task_type="comp.B")
    async def step_b() -> dict[str, Any]:
        return {}

    @worker.task(task_type="comp.undo_A")
    async def undo_a(job: Job) -> dict[str, Any]:
        record.append(job.element_id)
        return {}

    @worker.task(task_type="comp.undo_B")
    async def undo_b(job: Job) -> dict[str, Any]:
        record.append(job.element_id)
        return {}

    await run_worker(worker)
    result = await client.run_process_with_result("loop", {"count": 0}, timeout=10_000)

    assert result.variables == {"count": 3}
    assert Counter(record) == {"undo_A": 3, "undo_B": 1}
    assert await handlers_run(read_api, result.process_instance_key) == {"undo_A": 3, "undo_B": 1}


async def test_throw_with_activity_ref_compensates_only_that_activity(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "only_a",
            d.start(),
            compensable("A"),
            compensable("B"),
            d.compensation_throw("compensate_A", activity="A"),
            d.end(),
            d.chain("start", "A", "B", "compensate_A", "end"),
        )
    )
    key = await start(client, "only_a")
    await complete_steps(jobs, "A", "B")

    await jobs.complete((await jobs.one("comp.undo_A")).key)

    await read_api.wait_completed(key)
    assert await handlers_run(read_api, key) == {"undo_A": 1}
    assert await jobs.activate("comp.undo_B") == []


async def test_chained_throw_events_with_activity_ref_compensate_in_reverse_order(
    deploy: Deploy, client: ZeebeClient, worker: ZeebeWorker
) -> None:
    await deploy(
        d.process(
            "reverse",
            d.start(),
            compensable("A"),
            compensable("B"),
            compensable("C"),
            d.compensation_throw("undo_C_first", activity="C"),
            d.compensation_throw("then_B", activity="B"),
            d.compensation_throw("then_A", activity="A"),
            d.end(),
            d.chain("start", "A", "B", "C", "undo_C_first", "then_B", "then_A", "end"),
        )
    )
    completed: list[str] = []
    recording_worker(worker, ["A", "B", "C"], completed)

    await run_worker(worker)
    await client.run_process_with_result("reverse", timeout=10_000)

    assert completed == ["undo_C", "undo_B", "undo_A"]


async def test_activities_still_active_are_not_compensated(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "active_not",
            d.start(),
            d.gateway("parallelGateway", "fork"),
            compensable("A"),
            d.compensation_throw("compensate"),
            compensable("B"),
            d.gateway("parallelGateway", "join"),
            d.end(),
            d.chain("start", "fork", "A", "compensate", "join", "end"),
            d.chain("fork", "B", "join"),
        )
    )
    key = await start(client, "active_not")
    b_job = await jobs.one("comp.B")
    await complete_steps(jobs, "A")

    await jobs.complete((await jobs.one("comp.undo_A")).key)
    await read_api.wait_flow_node(key, "compensate")
    await jobs.complete(b_job.key)

    await read_api.wait_completed(key)
    assert await handlers_run(read_api, key) == {"undo_A": 1}


async def test_throw_event_waits_until_its_handlers_complete(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "waits",
            d.start(),
            compensable("A"),
            d.compensation_throw("compensate"),
            d.service_task("after", "comp.after"),
            d.end(),
            d.chain("start", "A", "compensate", "after", "end"),
        )
    )
    key = await start(client, "waits")
    await complete_steps(jobs, "A")
    handler = await jobs.one("comp.undo_A")

    assert await read_api.active(key) == ["compensate", "undo_A"]
    assert await jobs.activate("comp.after") == []

    await jobs.complete(handler.key)
    await jobs.complete((await jobs.one("comp.after")).key)
    await read_api.wait_completed(key)
    assert [n["state"] for n in await read_api.flow_nodes(key, flowNodeId="compensate")] == ["COMPLETED"]


async def test_throw_completes_at_once_when_there_is_nothing_to_compensate(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "nothing",
            d.start(),
            d.service_task("plain", "comp.plain"),
            d.compensation_throw("compensate"),
            d.end(),
            d.chain("start", "plain", "compensate", "end"),
        )
    )

    call = asyncio.ensure_future(client.run_process_with_result("nothing", timeout=5_000))
    await jobs.complete((await jobs.one("comp.plain")).key)

    result = await call
    assert await read_api.ran(result.process_instance_key) == ["start", "plain", "compensate", "end"]


async def test_compensation_end_event_compensates_and_ends_the_instance(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "end_event",
            d.start(),
            compensable("A"),
            d.compensation_throw("compensate_end", end_event=True),
            d.chain("start", "A", "compensate_end"),
        )
    )
    key = await start(client, "end_event")
    await complete_steps(jobs, "A")
    handler = await jobs.one("comp.undo_A")
    assert (await read_api.instance(key) or {})["state"] == "ACTIVE"

    await jobs.complete(handler.key)

    await read_api.wait_completed(key)
    assert await handlers_run(read_api, key) == {"undo_A": 1}
    assert [n["state"] for n in await read_api.flow_nodes(key, flowNodeId="compensate_end")] == ["COMPLETED"]


async def test_saga_error_event_subprocess_compensates_the_completed_steps_of_the_enclosing_scope(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "saga_event_sub",
            d.start(),
            compensable("A"),
            compensable("B"),
            compensable("C"),
            d.end(),
            d.chain("start", "A", "B", "C", "end"),
            d.sub_process(
                "rollback",
                d.event_start("on_failure", d.error_event("failed")),
                d.compensation_throw("compensate"),
                d.end("rolled_back"),
                d.chain("on_failure", "compensate", "rolled_back"),
                event=True,
            ),
            definitions=ERRORS,
        )
    )
    key = await start(client, "saga_event_sub")
    await complete_steps(jobs, "A", "B")

    await jobs.throw_error((await jobs.one("comp.C")).key, "FAILED", "out of stock")
    handlers = await jobs.wait("comp.undo_A") + await jobs.wait("comp.undo_B")
    for job in handlers:
        await jobs.complete(job.key)

    await read_api.wait_completed(key)
    assert await handlers_run(read_api, key) == {"undo_A": 1, "undo_B": 1}
    assert [n["state"] for n in await read_api.flow_nodes(key, flowNodeId="C")] == ["TERMINATED"]
    assert await jobs.activate("comp.undo_C") == []
    assert "end" not in await read_api.ran(key)


async def test_saga_error_boundary_followed_by_compensation_throw_undoes_the_completed_steps(
    deploy: Deploy, client: ZeebeClient, worker: ZeebeWorker, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "saga_boundary",
            d.start(),
            compensable("A"),
            compensable("B"),
            compensable("C"),
            d.end(),
            d.chain("start", "A", "B", "C", "end"),
            d.error_boundary("C_failed", "C", "failed"),
            d.compensation_throw("compensate"),
            d.end("rolled_back"),
            d.chain("C_failed", "compensate", "rolled_back"),
            definitions=ERRORS,
        )
    )
    undone: list[str] = []
    recording_worker(worker, ["A", "B"], undone)

    @worker.task(task_type="comp.C")
    async def fail() -> dict[str, Any]:
        raise BusinessError("FAILED")

    @worker.task(task_type="comp.undo_C")
    async def undo_c() -> dict[str, Any]:
        undone.append("undo_C")
        return {}

    await run_worker(worker)
    result = await client.run_process_with_result("saga_boundary", timeout=10_000)

    assert sorted(undone) == ["undo_A", "undo_B"]
    ran = await read_api.ran(result.process_instance_key)
    assert {"C_failed", "compensate", "rolled_back"} <= set(ran)
    assert ran[-1] == "rolled_back"
    assert "end" not in ran


async def test_handlers_inside_a_completed_subprocess_are_compensated_by_a_throw_in_the_parent_scope(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "nested",
            d.start(),
            d.sub_process(
                "sub",
                d.start("sub_start"),
                compensable("A"),
                d.end("sub_end"),
                d.chain("sub_start", "A", "sub_end"),
            ),
            compensable("B"),
            d.compensation_throw("compensate"),
            d.end(),
            d.chain("start", "sub", "B", "compensate", "end"),
        )
    )
    key = await start(client, "nested")
    await complete_steps(jobs, "A", "B")

    handlers = await jobs.wait("comp.undo_A") + await jobs.wait("comp.undo_B")
    for job in handlers:
        await jobs.complete(job.key)

    await read_api.wait_completed(key)
    assert await handlers_run(read_api, key) == {"undo_A": 1, "undo_B": 1}


async def test_a_subscription_is_compensated_only_once(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "once",
            d.start(),
            compensable("A"),
            d.compensation_throw("first"),
            d.compensation_throw("second"),
            d.end(),
            d.chain("start", "A", "first", "second", "end"),
        )
    )
    key = await start(client, "once")
    await complete_steps(jobs, "A")

    await jobs.complete((await jobs.one("comp.undo_A")).key)

    await read_api.wait_completed(key)
    assert await handlers_run(read_api, key) == {"undo_A": 1}


async def test_read_api_shows_handlers_with_the_activity_they_compensated(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "shown",
            d.start(),
            compensable("A"),
            compensable("B"),
            d.compensation_throw("compensate"),
            d.end(),
            d.chain("start", "A", "B", "compensate", "end"),
        )
    )
    key = await start(client, "shown")
    await complete_steps(jobs, "A", "B")
    for job in await jobs.wait("comp.undo_A") + await jobs.wait("comp.undo_B"):
        await jobs.complete(job.key)
    await read_api.wait_completed(key)

    nodes = await read_api.flow_nodes(key)
    handlers = {n["flowNodeId"]: n for n in nodes if n["flowNodeId"].startswith("undo_")}
    completed_a = next(n for n in nodes if n["flowNodeId"] == "A")
    assert {k: (n["compensatedFlowNodeId"], n["state"]) for k, n in handlers.items()} == {
        "undo_A": ("A", "COMPLETED"),
        "undo_B": ("B", "COMPLETED"),
    }
    assert handlers["undo_A"]["compensatedFlowNodeInstanceKey"] == completed_a["key"]
    assert next(n for n in nodes if n["flowNodeId"] == "A")["compensatedFlowNodeId"] is None


async def test_cancelling_the_instance_terminates_running_handlers(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "cancel_handler",
            d.start(),
            compensable("A"),
            d.compensation_throw("compensate"),
            d.end(),
            d.chain("start", "A", "compensate", "end"),
        )
    )
    key = await start(client, "cancel_handler")
    await complete_steps(jobs, "A")
    handler = await jobs.one("comp.undo_A")

    await client.cancel_process_instance(key)

    await read_api.wait_state(key, "CANCELED")
    states = {n["flowNodeId"]: n["state"] for n in await read_api.flow_nodes(key)}
    assert (states["undo_A"], states["compensate"]) == ("TERMINATED", "TERMINATED")
    assert (await rpc_error(jobs.complete(handler.key))).code() == grpc.StatusCode.NOT_FOUND


async def test_handler_job_sees_the_variables_of_the_scope(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs
) -> None:
    await deploy(
        d.process(
            "handler_vars",
            d.start(),
            compensable("A"),
            d.compensation_throw("compensate"),
            d.end(),
            d.chain("start", "A", "compensate", "end"),
        )
    )
    call = asyncio.ensure_future(
        client.run_process_with_result("handler_vars", {"orderId": "o-1"}, timeout=10_000)
    )
    await jobs.complete((await jobs.one("comp.A")).key, {"reservation": "r-9"})

    handler = await jobs.one("comp.undo_A")
    await jobs.complete(handler.key, {"released": True})

    assert json.loads(handler.variables) == {"orderId": "o-1", "reservation": "r-9"}
    assert (await call).variables == {"orderId": "o-1", "reservation": "r-9", "released": True}


async def test_activity_ref_to_a_completed_subprocess_compensates_the_activities_inside_it(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "ref_sub",
            d.start(),
            d.sub_process(
                "sub",
                d.start("sub_start"),
                compensable("A"),
                d.end("sub_end"),
                d.chain("sub_start", "A", "sub_end"),
            ),
            compensable("B"),
            d.compensation_throw("compensate_sub", activity="sub"),
            d.end(),
            d.chain("start", "sub", "B", "compensate_sub", "end"),
        )
    )
    key = await start(client, "ref_sub")
    await complete_steps(jobs, "A", "B")

    await jobs.complete((await jobs.one("comp.undo_A")).key)

    await read_api.wait_completed(key)
    assert await handlers_run(read_api, key) == {"undo_A": 1}
    assert await jobs.activate("comp.undo_B") == []


async def test_throw_inside_a_subprocess_compensates_only_the_activities_of_that_subprocess(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "inner_throw",
            d.start(),
            compensable("A"),
            d.sub_process(
                "sub",
                d.start("sub_start"),
                compensable("B"),
                d.compensation_throw("compensate"),
                d.end("sub_end"),
                d.chain("sub_start", "B", "compensate", "sub_end"),
            ),
            d.end(),
            d.chain("start", "A", "sub", "end"),
        )
    )
    key = await start(client, "inner_throw")
    await complete_steps(jobs, "A", "B")

    await jobs.complete((await jobs.one("comp.undo_B")).key)

    await read_api.wait_completed(key)
    assert await handlers_run(read_api, key) == {"undo_B": 1}
    assert await jobs.activate("comp.undo_A") == []


async def test_multi_instance_activity_is_compensated_once_for_all_its_instances(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "mi_comp",
            d.start(),
            d.service_task("A", "comp.A", loop=d.multi_instance("=items", "item")),
            d.compensation_boundary("A_comp", "A", "undo_A"),
            d.service_task("undo_A", "comp.undo_A", for_compensation=True),
            d.compensation_throw("compensate"),
            d.end(),
            d.chain("start", "A", "compensate", "end"),
        )
    )
    key = await start(client, "mi_comp", {"items": [1, 2, 3]})
    for job in await jobs.wait("comp.A", 3):
        await jobs.complete(job.key)

    await jobs.complete((await jobs.one("comp.undo_A")).key)

    await read_api.wait_completed(key)
    assert await handlers_run(read_api, key) == {"undo_A": 1}


async def test_saga_event_subprocess_with_chained_activity_refs_undoes_the_steps_in_reverse_order(
    deploy: Deploy, client: ZeebeClient, worker: ZeebeWorker, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "saga_ordered",
            d.start(),
            compensable("A"),
            compensable("B"),
            d.service_task("C", "comp.C"),
            d.end(),
            d.chain("start", "A", "B", "C", "end"),
            d.sub_process(
                "rollback",
                d.event_start("on_failure", d.error_event("failed")),
                d.compensation_throw("undo_B_first", activity="B"),
                d.compensation_throw("then_A", activity="A"),
                d.end("rolled_back"),
                d.chain("on_failure", "undo_B_first", "then_A", "rolled_back"),
                event=True,
            ),
            definitions=ERRORS,
        )
    )
    completed: list[str] = []
    recording_worker(worker, ["A", "B"], completed)

    @worker.task(task_type="comp.C")
    async def fail() -> dict[str, Any]:
        raise BusinessError("FAILED")

    await run_worker(worker)
    result = await client.run_process_with_result("saga_ordered", timeout=10_000)

    assert completed == ["undo_B", "undo_A"]
    assert (await read_api.ran(result.process_instance_key))[-1] == "rolled_back"


async def test_subprocess_can_be_a_compensation_handler_and_the_throw_waits_for_it(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "sub_handler",
            d.start(),
            d.service_task("A", "comp.A"),
            d.compensation_boundary("A_comp", "A", "undo_A"),
            d.sub_process(
                "undo_A",
                d.start("undo_start"),
                d.service_task("release", "comp.release"),
                d.service_task("notify", "comp.notify"),
                d.end("undo_end"),
                d.chain("undo_start", "release", "notify", "undo_end"),
                for_compensation=True,
            ),
            d.compensation_throw("compensate"),
            d.end(),
            d.chain("start", "A", "compensate", "end"),
        )
    )
    key = await start(client, "sub_handler")
    await complete_steps(jobs, "A")

    await jobs.complete((await jobs.one("comp.release")).key)
    notify = await jobs.one("comp.notify")
    assert "compensate" in await read_api.active(key)
    await jobs.complete(notify.key)

    await read_api.wait_completed(key)
    assert [n["state"] for n in await read_api.flow_nodes(key, flowNodeId="undo_A")] == ["COMPLETED"]
