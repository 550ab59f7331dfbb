"""Multi-instance activities: parallel and sequential over a collection, output collection, completion condition."""

import asyncio
import json
from typing import Any

import grpc
from pyzeebe import ZeebeClient

from tests.integration.engine import diagrams as d
from tests.integration.engine.conftest import Deploy
from tests.integration.engine.observe import Jobs, ReadApi, rpc_error

# What an inner instance sees besides the process variables: its input element and loop counter, and
# the body's output collection. (numberOfInstances & co. exist only inside completion conditions.)
# Zeebe creates an output element that names a variable (`result`) as null local to each inner instance.
BODY_AND_INNER_VARIABLES = {"item", "loopCounter", "results", "result"}


async def start(client: ZeebeClient, process_id: str, variables: dict[str, Any] | None = None) -> int:
    return (await client.run_process(process_id, variables or {})).process_instance_key


def each_item(process_id: str, *, sequential: bool = False, completion_condition: str = "") -> bytes:
    loop = d.multi_instance(
        "=items",
        "item",
        sequential=sequential,
        output_collection="results",
        output_element="=result",
        completion_condition=completion_condition,
    )
    return d.process(
        process_id,
        d.start(),
        d.service_task("each", "mi.each", loop=loop),
        d.end(),
        d.chain("start", "each", "end"),
    )


async def test_parallel_multi_instance_creates_all_instances_at_once_with_their_element(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs
) -> None:
    await deploy(each_item("parallel_items"))
    await start(client, "parallel_items", {"items": ["a", "b", "c"]})

    activated = await jobs.wait("mi.each", 3)

    seen = sorted((v["loopCounter"], v["item"]) for v in (json.loads(j.variables) for j in activated))
    assert seen == [(1, "a"), (2, "b"), (3, "c")]


async def test_inner_instance_jobs_see_only_process_variables_and_the_multi_instance_variables(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs
) -> None:
    await deploy(each_item("visible_vars"))
    await start(client, "visible_vars", {"items": ["a"], "orderId": "o-1"})

    job = await jobs.one("mi.each")

    assert set(json.loads(job.variables)) - {"items", "orderId"} <= BODY_AND_INNER_VARIABLES


async def test_parallel_output_collection_keeps_the_input_order_whatever_the_completion_order(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(each_item("parallel_output"))
    key = await start(client, "parallel_output", {"items": [1, 2, 3]})
    activated = await jobs.wait("mi.each", 3)

    for job in sorted(activated, key=lambda j: -json.loads(j.variables)["item"]):
        await jobs.complete(job.key, {"result": json.loads(job.variables)["item"] * 10})

    await read_api.wait_completed(key)
    assert (await read_api.variables(key))["results"] == [10, 20, 30]


async def test_sequential_multi_instance_runs_one_instance_after_the_other_in_order(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(each_item("sequential", sequential=True))
    key = await start(client, "sequential", {"items": ["x", "y", "z"]})

    order = []
    for _ in range(3):
        (job,) = await jobs.wait("mi.each")
        assert await jobs.activate("mi.each") == []
        item = json.loads(job.variables)["item"]
        order.append(item)
        await jobs.complete(job.key, {"result": item.upper()})

    await read_api.wait_completed(key)
    assert order == ["x", "y", "z"]
    assert (await read_api.variables(key))["results"] == ["X", "Y", "Z"]


async def test_empty_collection_completes_the_activity_at_once_with_an_empty_output(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(each_item("empty"))

    result = await client.run_process_with_result("empty", {"items": []}, timeout=5_000)

    assert result.variables == {"items": [], "results": []}
    assert (
        await read_api.flow_nodes(result.process_instance_key, flowNodeId="each", type="SERVICE_TASK") == []
    )


async def test_output_element_variable_is_local_to_each_instance(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs
) -> None:
    await deploy(each_item("local_result"))
    running = asyncio.ensure_future(
        client.run_process_with_result("local_result", {"items": [1, 2]}, timeout=10_000)
    )
    for job in await jobs.wait("mi.each", 2):
        await jobs.complete(job.key, {"result": json.loads(job.variables)["item"] + 100})

    assert (await running).variables == {"items": [1, 2], "results": [101, 102]}


async def test_completion_condition_completes_the_body_early_and_terminates_the_other_instances(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(each_item("until_found", completion_condition="=found = true"))
    key = await start(client, "until_found", {"items": [1, 2, 3], "found": False})
    activated = await jobs.wait("mi.each", 3)
    by_item = {json.loads(j.variables)["item"]: j for j in activated}

    await jobs.complete(by_item[1].key, {"result": "no"})
    await jobs.complete(by_item[2].key, {"result": "yes", "found": True})

    await read_api.wait_completed(key)
    inner_states = sorted(
        n["state"] for n in await read_api.flow_nodes(key, flowNodeId="each", type="SERVICE_TASK")
    )
    assert inner_states == ["COMPLETED", "COMPLETED", "TERMINATED"]
    assert (await rpc_error(jobs.complete(by_item[3].key))).code() == grpc.StatusCode.NOT_FOUND
    assert (await read_api.variables(key))["results"] == ["no", "yes", None]


async def test_completion_condition_can_use_the_number_of_completed_instances(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(each_item("two_of_three", completion_condition="=numberOfCompletedInstances >= 2"))
    key = await start(client, "two_of_three", {"items": [1, 2, 3]})
    first, second, _third = await jobs.wait("mi.each", 3)

    await jobs.complete(first.key, {"result": 1})
    await jobs.complete(second.key, {"result": 2})

    await read_api.wait_completed(key)


async def test_completion_condition_is_evaluated_in_the_scope_of_the_completed_instance(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(each_item("by_item", completion_condition="=item = 2"))
    key = await start(client, "by_item", {"items": [1, 2, 3]})
    by_item = {json.loads(j.variables)["item"]: j for j in await jobs.wait("mi.each", 3)}

    await jobs.complete(by_item[2].key, {"result": "two"})

    await read_api.wait_completed(key)
    assert (await read_api.variables(key))["results"] == [None, "two", None]


async def test_input_collection_that_is_not_an_array_raises_an_incident(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(each_item("not_a_list"))
    key = await start(client, "not_a_list", {"items": "abc"})

    incident = await read_api.wait_incident(key)

    assert (incident["type"], incident["flowNodeId"]) == ("EXTRACT_VALUE_ERROR", "each")
