"""Embedded and event subprocesses: variable scopes, propagation, event starts and terminate end events."""

import json
from typing import Any

import grpc
from pyzeebe import ZeebeClient

from tests.integration.engine import diagrams as d
from tests.integration.engine.conftest import Deploy
from tests.integration.engine.observe import Jobs, ReadApi, rpc_error


async def start(client: ZeebeClient, process_id: str, variables: dict[str, Any] | None = None) -> int:
    return (await client.run_process(process_id, variables or {})).process_instance_key


def sub_with_task(process_id: str, **sub_options: Any) -> bytes:
    """start -> sub(sub_start -> inner -> sub_end) -> end."""
    return d.process(
        process_id,
        d.start(),
        d.sub_process(
            "sub",
            d.start("sub_start"),
            d.service_task("inner", "sub.inner"),
            d.end("sub_end"),
            d.chain("sub_start", "inner", "sub_end"),
            **sub_options,
        ),
        d.end(),
        d.chain("start", "sub", "end"),
    )


async def test_subprocess_input_mappings_create_local_variables_of_the_subprocess(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(sub_with_task("sub_inputs", inputs=[("=order.id", "orderId"), ('=orderId + "-x"', "ref")]))
    key = await start(client, "sub_inputs", {"order": {"id": "o-1"}})

    job = await jobs.one("sub.inner")
    (sub,) = await read_api.flow_nodes(key, flowNodeId="sub")

    assert json.loads(job.variables) == {"order": {"id": "o-1"}, "orderId": "o-1", "ref": "o-1-x"}
    assert await read_api.variables(key, scope_key=sub["key"]) == {"orderId": "o-1", "ref": "o-1-x"}
    assert await read_api.variables(key) == {"order": {"id": "o-1"}}


async def test_local_variables_of_a_subprocess_vanish_with_it(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(sub_with_task("sub_vanish", inputs=[("=1", "local")]))
    key = await start(client, "sub_vanish")

    await jobs.complete((await jobs.one("sub.inner")).key)

    await read_api.wait_completed(key)
    assert await read_api.variables(key) == {}


async def test_variables_propagate_to_the_nearest_scope_that_has_them_else_to_the_root(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(sub_with_task("propagation", inputs=[('="pending"', "status")]))
    key = await start(client, "propagation", {"status": "root-status", "total": 1})
    job = await jobs.one("sub.inner")
    (sub,) = await read_api.flow_nodes(key, flowNodeId="sub")

    await jobs.set_variables(job.elementInstanceKey, {"status": "done", "total": 2, "created": True})

    assert await read_api.variables(key, scope_key=sub["key"]) == {"status": "done"}
    assert await read_api.variables(key) == {"status": "root-status", "total": 2, "created": True}
    await jobs.complete(job.key)
    await read_api.wait_completed(key)


async def test_job_variables_propagate_like_set_variables(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "job_propagation",
            d.start(),
            d.sub_process(
                "sub",
                d.start("sub_start"),
                d.service_task("inner", "sub.inner"),
                d.service_task("check", "sub.check"),
                d.end("sub_end"),
                d.chain("sub_start", "inner", "check", "sub_end"),
                inputs=[('="pending"', "status")],
            ),
            d.end(),
            d.chain("start", "sub", "end"),
        )
    )
    key = await start(client, "job_propagation", {"status": "root-status"})

    await jobs.complete((await jobs.one("sub.inner")).key, {"status": "done", "created": True})
    check = await jobs.one("sub.check")

    assert json.loads(check.variables) == {"status": "done", "created": True}
    await jobs.complete(check.key)
    await read_api.wait_completed(key)
    assert await read_api.variables(key) == {"status": "root-status", "created": True}


async def test_subprocess_output_mappings_copy_results_to_the_parent_scope(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(sub_with_task("sub_outputs", inputs=[("=0", "count")], outputs=[("=count", "result.count")]))
    key = await start(client, "sub_outputs")

    await jobs.complete((await jobs.one("sub.inner")).key, {"count": 7})

    await read_api.wait_completed(key)
    assert await read_api.variables(key) == {"result": {"count": 7}}


async def test_subprocess_completes_when_all_its_paths_are_done(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "implicit_join",
            d.start(),
            d.sub_process(
                "sub",
                d.start("sub_start"),
                d.gateway("parallelGateway", "fork"),
                d.service_task("left", "sub.left"),
                d.service_task("right", "sub.right"),
                d.end("left_end"),
                d.end("right_end"),
                d.chain("sub_start", "fork"),
                d.chain("fork", "left", "left_end"),
                d.chain("fork", "right", "right_end"),
            ),
            d.end(),
            d.chain("start", "sub", "end"),
        )
    )
    key = await start(client, "implicit_join")
    left, right = await jobs.one("sub.left"), await jobs.one("sub.right")

    await jobs.complete(left.key)
    await read_api.wait_flow_node(key, "left_end")
    assert sorted(await read_api.active(key)) == ["right", "sub"]

    await jobs.complete(right.key)
    await read_api.wait_completed(key)


def with_message_event_sub(process_id: str, *, interrupting: bool) -> bytes:
    return d.process(
        process_id,
        d.start(),
        d.service_task("main", "sub.main"),
        d.end(),
        d.chain("start", "main", "end"),
        d.sub_process(
            "on_update",
            d.event_start("updated", d.message_event("update"), interrupting=interrupting),
            d.service_task("apply", "sub.apply"),
            d.end("applied"),
            d.chain("updated", "apply", "applied"),
            event=True,
        ),
        definitions=[d.message_definition("update", "order-updated", "=orderId")],
    )


async def test_non_interrupting_message_event_subprocess_runs_beside_the_main_flow(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(with_message_event_sub("side_by_side", interrupting=False))
    key = await start(client, "side_by_side", {"orderId": "o-1"})
    main = await jobs.one("sub.main")

    await client.publish_message("order-updated", "o-1", {"address": "new"}, time_to_live_in_milliseconds=0)
    apply = await jobs.one("sub.apply")

    assert json.loads(apply.variables)["address"] == "new"
    assert sorted(await read_api.active(key)) == ["apply", "main", "on_update"]
    await jobs.complete(apply.key)
    await read_api.wait_flow_node(key, "applied")
    assert await read_api.active(key) == ["main"]
    await jobs.complete(main.key)
    await read_api.wait_completed(key)


async def test_non_interrupting_event_subprocess_can_start_repeatedly(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(with_message_event_sub("repeat_event_sub", interrupting=False))
    key = await start(client, "repeat_event_sub", {"orderId": "o-1"})
    await jobs.one("sub.main")

    for _ in range(2):
        await client.publish_message("order-updated", "o-1", time_to_live_in_milliseconds=0)

    assert len(await jobs.wait("sub.apply", 2)) == 2
    assert len(await read_api.flow_nodes(key, flowNodeId="on_update", state="ACTIVE")) == 2


async def test_interrupting_message_event_subprocess_terminates_the_main_flow(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(with_message_event_sub("takeover", interrupting=True))
    key = await start(client, "takeover", {"orderId": "o-1"})
    main = await jobs.one("sub.main")

    await client.publish_message("order-updated", "o-1", time_to_live_in_milliseconds=0)
    await jobs.complete((await jobs.one("sub.apply")).key)

    await read_api.wait_completed(key)
    assert [n["state"] for n in await read_api.flow_nodes(key, flowNodeId="main")] == ["TERMINATED"]
    assert (await rpc_error(jobs.complete(main.key))).code() == grpc.StatusCode.NOT_FOUND
    assert "end" not in await read_api.ran(key)


async def test_terminate_end_event_ends_its_subprocess_and_the_parent_continues(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "terminate_sub",
            d.start(),
            d.sub_process(
                "sub",
                d.start("sub_start"),
                d.gateway("parallelGateway", "fork"),
                d.service_task("slow", "sub.slow"),
                d.terminate_end("stop"),
                d.end("slow_end"),
                d.chain("sub_start", "fork"),
                d.chain("fork", "slow", "slow_end"),
                d.chain("fork", "stop"),
            ),
            d.service_task("after", "sub.after"),
            d.end(),
            d.chain("start", "sub", "after", "end"),
        )
    )
    key = await start(client, "terminate_sub")

    after = await jobs.one("sub.after")

    states = {n["flowNodeId"]: n["state"] for n in await read_api.flow_nodes(key)}
    assert (states["slow"], states["stop"], states["sub"]) == ("TERMINATED", "COMPLETED", "COMPLETED")
    assert await jobs.activate("sub.slow") == []
    await jobs.complete(after.key)
    await read_api.wait_completed(key)


async def test_terminate_end_event_at_process_level_completes_the_instance(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "terminate_process",
            d.start(),
            d.gateway("parallelGateway", "fork"),
            d.service_task("slow", "sub.slow"),
            d.service_task("fast", "sub.fast"),
            d.end("slow_end"),
            d.terminate_end("stop"),
            d.chain("start", "fork"),
            d.chain("fork", "slow", "slow_end"),
            d.chain("fork", "fast", "stop"),
        )
    )
    key = await start(client, "terminate_process")
    slow = await jobs.one("sub.slow")

    await jobs.complete((await jobs.one("sub.fast")).key)

    await read_api.wait_completed(key)
    assert [n["state"] for n in await read_api.flow_nodes(key, flowNodeId="slow")] == ["TERMINATED"]
    assert (await rpc_error(jobs.complete(slow.key))).code() == grpc.StatusCode.NOT_FOUND
