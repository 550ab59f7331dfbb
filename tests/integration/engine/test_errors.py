"""BPMN errors: thrown by workers (ThrowError) or error end events, caught by boundary events and event subprocesses."""

import asyncio
from typing import Any

import grpc
from pyzeebe import ZeebeClient, ZeebeWorker
from pyzeebe.errors import BusinessError

from tests.integration.engine import diagrams as d
from tests.integration.engine.conftest import Deploy, run_worker
from tests.integration.engine.observe import Jobs, ReadApi, rpc_error

ERRORS = [d.error_definition("declined", "DECLINED"), d.error_definition("fraud", "FRAUD")]


def task_with_boundaries(process_id: str, *boundaries: tuple[str, str | None]) -> bytes:
    """start -> pay -> end, with one error boundary per (id, errorRef) leading to an end event of its own."""
    fragments = [d.start(), d.service_task("pay", "errors.pay"), d.end(), d.chain("start", "pay", "end")]
    for boundary_id, error_ref in boundaries:
        fragments += [
            d.error_boundary(boundary_id, "pay", error_ref),
            d.end(f"{boundary_id}_end"),
            d.flow(boundary_id, f"{boundary_id}_end"),
        ]
    return d.process(process_id, *fragments, definitions=ERRORS)


async def start(client: ZeebeClient, process_id: str, variables: dict[str, Any] | None = None) -> int:
    return (await client.run_process(process_id, variables or {})).process_instance_key


async def test_error_thrown_by_a_worker_is_caught_by_the_boundary_with_its_code(
    deploy: Deploy, client: ZeebeClient, worker: ZeebeWorker, read_api: ReadApi
) -> None:
    await deploy(task_with_boundaries("specific", ("on_declined", "declined")))

    @worker.task(task_type="errors.pay")
    async def pay() -> dict[str, Any]:
        raise BusinessError("DECLINED")

    await run_worker(worker)
    key = await start(client, "specific")

    await read_api.wait_completed(key)
    assert await read_api.ran(key) == ["start", "on_declined", "on_declined_end"]
    assert await read_api.flow_nodes(key, flowNodeId="pay", state="TERMINATED") != []


async def test_error_is_caught_by_a_catch_all_boundary(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(task_with_boundaries("catch_all", ("on_any", None)))
    key = await start(client, "catch_all")

    await jobs.throw_error((await jobs.one("errors.pay")).key, "WHATEVER", "something")

    await read_api.wait_completed(key)
    assert await read_api.ran(key) == ["start", "on_any", "on_any_end"]


async def test_specific_error_boundary_beats_the_catch_all(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(task_with_boundaries("specific_first", ("on_any", None), ("on_fraud", "fraud")))
    key = await start(client, "specific_first")

    await jobs.throw_error((await jobs.one("errors.pay")).key, "FRAUD")

    await read_api.wait_completed(key)
    assert await read_api.ran(key) == ["start", "on_fraud", "on_fraud_end"]


async def test_catch_all_boundary_takes_codes_no_specific_boundary_matches(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(task_with_boundaries("fallback", ("on_fraud", "fraud"), ("on_any", None)))
    key = await start(client, "fallback")

    await jobs.throw_error((await jobs.one("errors.pay")).key, "DECLINED")

    await read_api.wait_completed(key)
    assert await read_api.ran(key) == ["start", "on_any", "on_any_end"]


async def test_error_variables_are_available_after_the_catching_boundary(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs
) -> None:
    await deploy(task_with_boundaries("error_vars", ("on_declined", "declined")))
    call = asyncio.ensure_future(
        client.run_process_with_result("error_vars", {"orderId": "o-1"}, timeout=10_000)
    )
    await jobs.throw_error(
        (await jobs.one("errors.pay")).key, "DECLINED", "no", {"reason": "insufficient funds"}
    )

    assert (await call).variables == {"orderId": "o-1", "reason": "insufficient funds"}


async def test_error_is_caught_by_an_interrupting_error_event_subprocess_which_terminates_the_task(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "event_sub",
            d.start(),
            d.service_task("pay", "errors.pay"),
            d.end(),
            d.chain("start", "pay", "end"),
            d.sub_process(
                "on_error",
                d.event_start("error_start", d.error_event("declined")),
                d.service_task("refund", "errors.refund"),
                d.end("error_end"),
                d.chain("error_start", "refund", "error_end"),
                event=True,
            ),
            definitions=ERRORS,
        )
    )
    key = await start(client, "event_sub")
    pay_job = await jobs.one("errors.pay")

    await jobs.throw_error(pay_job.key, "DECLINED")
    await jobs.complete((await jobs.one("errors.refund")).key)

    await read_api.wait_completed(key)
    assert [n["state"] for n in await read_api.flow_nodes(key, flowNodeId="pay")] == ["TERMINATED"]
    assert await read_api.ran(key) == ["start", "on_error", "error_start", "refund", "error_end"]


async def test_uncaught_error_raises_an_unhandled_error_event_incident(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(task_with_boundaries("uncaught", ("on_fraud", "fraud")))
    key = await start(client, "uncaught")
    job = await jobs.one("errors.pay")

    await jobs.throw_error(job.key, "DECLINED", "card declined")

    incident = await read_api.wait_incident(key)
    assert (incident["type"], incident["flowNodeId"], incident["jobKey"]) == (
        "UNHANDLED_ERROR_EVENT",
        "pay",
        job.key,
    )
    assert "DECLINED" in incident["message"]
    assert (await read_api.instance(key) or {})["state"] == "ACTIVE"
    assert await read_api.active(key) == ["pay"]


async def test_error_end_event_in_a_subprocess_is_caught_by_the_subprocess_boundary(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "error_end",
            d.start(),
            d.sub_process(
                "sub",
                d.start("sub_start"),
                d.error_end("sub_fails", "declined"),
                d.chain("sub_start", "sub_fails"),
            ),
            d.end(),
            d.chain("start", "sub", "end"),
            d.error_boundary("on_declined", "sub", "declined"),
            d.end("handled"),
            d.flow("on_declined", "handled"),
            definitions=ERRORS,
        )
    )
    key = await start(client, "error_end")

    await read_api.wait_completed(key)
    assert "end" not in await read_api.ran(key)
    assert (await read_api.ran(key))[-2:] == ["on_declined", "handled"]
    assert [n["state"] for n in await read_api.flow_nodes(key, flowNodeId="sub")] == ["TERMINATED"]


async def test_error_thrown_inside_a_subprocess_propagates_to_the_subprocess_boundary(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "outward",
            d.start(),
            d.sub_process(
                "sub",
                d.start("sub_start"),
                d.service_task("pay", "errors.pay"),
                d.end("sub_end"),
                d.chain("sub_start", "pay", "sub_end"),
            ),
            d.end(),
            d.chain("start", "sub", "end"),
            d.error_boundary("on_declined", "sub", "declined"),
            d.end("handled"),
            d.flow("on_declined", "handled"),
            definitions=ERRORS,
        )
    )
    key = await start(client, "outward")

    await jobs.throw_error((await jobs.one("errors.pay")).key, "DECLINED")

    await read_api.wait_completed(key)
    states = {n["flowNodeId"]: n["state"] for n in await read_api.flow_nodes(key)}
    assert (states["pay"], states["sub"], states["handled"]) == ("TERMINATED", "TERMINATED", "COMPLETED")
    assert "end" not in states


async def test_job_of_a_task_interrupted_by_an_error_boundary_is_gone(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "two_jobs",
            d.start(),
            d.sub_process(
                "sub",
                d.start("sub_start"),
                d.gateway("parallelGateway", "sub_fork"),
                d.service_task("pay", "errors.pay"),
                d.service_task("ship", "errors.ship"),
                d.gateway("parallelGateway", "sub_join"),
                d.end("sub_end"),
                d.chain("sub_start", "sub_fork"),
                d.flow("sub_fork", "pay"),
                d.flow("sub_fork", "ship"),
                d.flow("pay", "sub_join"),
                d.flow("ship", "sub_join"),
                d.flow("sub_join", "sub_end"),
            ),
            d.end(),
            d.chain("start", "sub", "end"),
            d.error_boundary("on_declined", "sub", "declined"),
            d.end("handled"),
            d.flow("on_declined", "handled"),
            definitions=ERRORS,
        )
    )
    key = await start(client, "two_jobs")
    pay, ship = await jobs.one("errors.pay"), await jobs.one("errors.ship")

    await jobs.throw_error(pay.key, "DECLINED")
    await read_api.wait_completed(key)

    error = await rpc_error(jobs.complete(ship.key))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert f"Expected to complete job with key '{ship.key}', but no such job was found" in error.details()
    assert await jobs.activate("errors.ship") == []


async def test_error_is_caught_by_the_innermost_catching_scope(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(
        d.process(
            "innermost",
            d.start(),
            d.sub_process(
                "sub",
                d.start("sub_start"),
                d.service_task("pay", "errors.pay"),
                d.end("sub_end"),
                d.chain("sub_start", "pay", "sub_end"),
                d.sub_process(
                    "inner_handler",
                    d.event_start("inner_catch", d.error_event("declined")),
                    d.end("inner_handled"),
                    d.chain("inner_catch", "inner_handled"),
                    event=True,
                ),
            ),
            d.end(),
            d.chain("start", "sub", "end"),
            d.error_boundary("outer_catch", "sub", "declined"),
            d.end("outer_handled"),
            d.flow("outer_catch", "outer_handled"),
            definitions=ERRORS,
        )
    )
    key = await start(client, "innermost")

    await jobs.throw_error((await jobs.one("errors.pay")).key, "DECLINED")

    await read_api.wait_completed(key)
    ran = await read_api.ran(key)
    assert {"inner_catch", "inner_handled", "sub", "end"} <= set(ran)
    assert "outer_catch" not in ran
