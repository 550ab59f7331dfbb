"""Process instance commands (create, create with result, cancel, set variables) and the cluster RPCs."""

import asyncio
import time
from typing import Any

import grpc
import pytest
from grpc_health.v1 import health_pb2
from grpc_health.v1.health_pb2_grpc import HealthStub
from pyzeebe import ZeebeClient
from pyzeebe.errors import (
    ProcessDefinitionHasNoStartEventError,
    ProcessDefinitionNotFoundError,
    ProcessInstanceNotFoundError,
    ProcessTimeoutError,
)
from pyzeebe.grpc_internals.types import HealthCheckResponse
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from tests.integration.engine import diagrams as d
from tests.integration.engine.conftest import Deploy
from tests.integration.engine.observe import Jobs, ReadApi, rpc_error


async def start(client: ZeebeClient, process_id: str, variables: dict[str, Any] | None = None) -> int:
    return (await client.run_process(process_id, variables or {})).process_instance_key


def grpc_cause(error: BaseException) -> grpc.aio.AioRpcError:
    cause = error.__cause__
    assert isinstance(cause, grpc.aio.AioRpcError), f"{error!r} was not caused by a gRPC error"
    return cause


# ---------------------------------------------------------------------- create


async def test_creating_an_instance_of_an_unknown_process_is_not_found_with_zeebes_message(
    client: ZeebeClient,
) -> None:
    with pytest.raises(ProcessDefinitionNotFoundError) as raised:
        await client.run_process("no_such_process")

    cause = grpc_cause(raised.value)
    assert cause.code() == grpc.StatusCode.NOT_FOUND
    assert cause.details() == (
        "Command 'CREATE' rejected with code 'NOT_FOUND': Expected to find process definition with process ID "
        "'no_such_process', but none found"
    )


async def test_creating_with_result_an_instance_of_an_unknown_process_names_the_awaiting_result_intent(
    gateway: GatewayStub,
) -> None:
    request = pb.CreateProcessInstanceRequest(bpmnProcessId="no_such_process", version=-1)

    error = await rpc_error(
        gateway.CreateProcessInstanceWithResult(pb.CreateProcessInstanceWithResultRequest(request=request))
    )

    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error.details() == (
        "Command 'CREATE_WITH_AWAITING_RESULT' rejected with code 'NOT_FOUND': Expected to find process "
        "definition with process ID 'no_such_process', but none found"
    )


async def test_creating_an_instance_of_an_unknown_version_is_not_found(
    deploy: Deploy, client: ZeebeClient
) -> None:
    await deploy(d.single_task("versioned", "inst.work"))

    with pytest.raises(ProcessDefinitionNotFoundError) as raised:
        await client.run_process("versioned", version=7)

    assert grpc_cause(raised.value).code() == grpc.StatusCode.NOT_FOUND


async def test_version_zero_asks_for_exactly_version_zero_which_never_exists(
    deploy: Deploy, gateway: GatewayStub
) -> None:
    await deploy(d.single_task("version_zero", "inst.work"))

    error = await rpc_error(
        gateway.CreateProcessInstance(
            pb.CreateProcessInstanceRequest(bpmnProcessId="version_zero", version=0)
        )
    )

    assert error.code() == grpc.StatusCode.NOT_FOUND


async def test_the_process_id_wins_over_a_definition_key_given_with_it(
    deploy: Deploy, gateway: GatewayStub
) -> None:
    first = await deploy(d.single_task("chosen_by_id", "inst.work"))
    await deploy(d.single_task("other_process", "inst.work"))

    created = await gateway.CreateProcessInstance(
        pb.CreateProcessInstanceRequest(bpmnProcessId="chosen_by_id", version=-1, processDefinitionKey=999)
    )

    assert created.processDefinitionKey == first.deployments[0].process_definition_key


async def test_creating_without_process_id_or_key_is_invalid_argument(gateway: GatewayStub) -> None:
    error = await rpc_error(gateway.CreateProcessInstance(pb.CreateProcessInstanceRequest(version=-1)))

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "Expected at least a bpmnProcessId or a key greater than -1" in (error.details() or "")


async def test_creating_an_instance_without_a_none_start_event_is_a_failed_precondition(
    deploy: Deploy, client: ZeebeClient
) -> None:
    await deploy(
        d.process(
            "message_only",
            d.start("by_message", event=d.message_event("placed")),
            d.end(),
            d.chain("by_message", "end"),
            definitions=[d.message_definition_without_key("placed", "placed")],
        )
    )

    with pytest.raises(ProcessDefinitionHasNoStartEventError) as raised:
        await client.run_process("message_only")

    assert grpc_cause(raised.value).code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_creating_an_instance_with_variables_that_are_not_a_json_object_is_invalid_argument(
    deploy: Deploy, gateway: GatewayStub
) -> None:
    await deploy(d.single_task("bad_vars", "inst.work"))

    error = await rpc_error(
        gateway.CreateProcessInstance(
            pb.CreateProcessInstanceRequest(bpmnProcessId="bad_vars", variables="[1, 2]")
        )
    )

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_created_instance_is_active_and_has_its_variables(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(d.single_task("created", "inst.work"))

    response = await client.run_process("created", {"orderId": "o-1", "lines": [{"sku": "a", "qty": 2}]})

    instance = await read_api.instance(response.process_instance_key)
    assert instance is not None
    assert (instance["state"], instance["bpmnProcessId"], instance["processVersion"]) == (
        "ACTIVE",
        "created",
        1,
    )
    assert instance["processDefinitionKey"] == response.process_definition_key
    assert await read_api.variables(response.process_instance_key) == {
        "orderId": "o-1",
        "lines": [{"sku": "a", "qty": 2}],
    }


# ---------------------------------------------------------------------- create with result


async def test_create_with_result_returns_only_the_fetched_variables(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs
) -> None:
    await deploy(d.single_task("fetched", "inst.work"))
    call = asyncio.ensure_future(
        client.run_process_with_result(
            "fetched", {"a": 1, "b": 2}, timeout=10_000, variables_to_fetch=["b", "c", "missing"]
        )
    )

    await jobs.complete((await jobs.one("inst.work")).key, {"c": 3, "d": 4})

    assert (await call).variables == {"b": 2, "c": 3}


async def test_create_with_result_times_out_with_deadline_exceeded_while_the_instance_keeps_running(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(d.single_task("slow", "inst.slow"))
    began = time.monotonic()

    with pytest.raises(ProcessTimeoutError) as raised:
        await client.run_process_with_result("slow", timeout=500)

    assert time.monotonic() - began >= 0.5
    assert grpc_cause(raised.value).code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert grpc_cause(raised.value).details() == (
        "Time out between gateway and broker: Request timed out after PT0.5S"
    )
    job = await jobs.one("inst.slow")
    assert (await read_api.instance(job.processInstanceKey) or {})["state"] == "ACTIVE"
    await jobs.complete(job.key)
    await read_api.wait_completed(job.processInstanceKey)


# ---------------------------------------------------------------------- cancel


async def test_cancelling_an_instance_terminates_it_and_deletes_its_jobs(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(d.single_task("to_cancel", "inst.cancel"))
    key = await start(client, "to_cancel")
    job = await jobs.one("inst.cancel")

    await client.cancel_process_instance(key)

    instance = await read_api.wait_state(key, "CANCELED")
    assert instance["endDate"] is not None
    assert [n["state"] for n in await read_api.flow_nodes(key, flowNodeId="task")] == ["TERMINATED"]
    error = await rpc_error(jobs.complete(job.key))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert await jobs.activate("inst.cancel", timeout_ms=1) == []


async def test_cancelling_an_instance_resolves_its_incidents(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(d.single_task("cancel_incident", "inst.fail"))
    key = await start(client, "cancel_incident")
    await jobs.fail((await jobs.one("inst.fail")).key, retries=0, message="broken")
    await read_api.wait_incident(key)

    await client.cancel_process_instance(key)

    await read_api.wait_state(key, "CANCELED")
    assert await read_api.incidents(key) == []


async def test_cancelling_an_unknown_instance_is_not_found(client: ZeebeClient) -> None:
    with pytest.raises(ProcessInstanceNotFoundError) as raised:
        await client.cancel_process_instance(2251799813699999)

    cause = grpc_cause(raised.value)
    assert cause.code() == grpc.StatusCode.NOT_FOUND
    assert cause.details() == (
        "Command 'CANCEL' rejected with code 'NOT_FOUND': Expected to cancel a process instance with key "
        "'2251799813699999', but no such process was found"
    )


async def test_cancelling_a_completed_instance_is_not_found(
    deploy: Deploy, client: ZeebeClient, read_api: ReadApi
) -> None:
    await deploy(d.process("done", d.start(), d.end(), d.chain("start", "end")))
    key = await start(client, "done")
    await read_api.wait_completed(key)

    with pytest.raises(ProcessInstanceNotFoundError):
        await client.cancel_process_instance(key)


# ---------------------------------------------------------------------- set variables


def sub_with_task(process_id: str) -> bytes:
    return d.process(
        process_id,
        d.start(),
        d.sub_process(
            "sub",
            d.start("sub_start"),
            d.service_task("inner", "inst.inner"),
            d.end("sub_end"),
            d.chain("sub_start", "inner", "sub_end"),
        ),
        d.end(),
        d.chain("start", "sub", "end"),
    )


async def test_set_variables_local_creates_them_on_that_element_only(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(sub_with_task("set_local"))
    key = await start(client, "set_local", {"x": 1})
    job = await jobs.one("inst.inner")

    await jobs.set_variables(job.elementInstanceKey, {"x": 2, "y": 3}, local=True)

    assert await read_api.variables(key, scope_key=job.elementInstanceKey) == {"x": 2, "y": 3}
    assert await read_api.variables(key) == {"x": 1}


async def test_set_variables_without_local_propagates_them_to_the_root(
    deploy: Deploy, client: ZeebeClient, jobs: Jobs, read_api: ReadApi
) -> None:
    await deploy(sub_with_task("set_propagate"))
    key = await start(client, "set_propagate", {"x": 1})
    job = await jobs.one("inst.inner")

    await jobs.set_variables(job.elementInstanceKey, {"x": 2, "y": 3})

    assert await read_api.variables(key, scope_key=job.elementInstanceKey) == {}
    assert await read_api.variables(key) == {"x": 2, "y": 3}


async def test_set_variables_returns_a_key(deploy: Deploy, client: ZeebeClient, jobs: Jobs) -> None:
    await deploy(d.single_task("set_key", "inst.work"))
    key = await start(client, "set_key")

    command_key = await jobs.set_variables(key, {"a": 1})

    assert command_key >= 2251799813685248


async def test_set_variables_on_an_unknown_element_is_not_found(jobs: Jobs) -> None:
    error = await rpc_error(jobs.set_variables(2251799813699999, {"a": 1}))

    assert error.code() == grpc.StatusCode.NOT_FOUND


async def test_set_variables_with_a_document_that_is_not_an_object_is_invalid_argument(
    deploy: Deploy, client: ZeebeClient, gateway: GatewayStub
) -> None:
    await deploy(d.single_task("set_bad", "inst.work"))
    key = await start(client, "set_bad")

    error = await rpc_error(
        gateway.SetVariables(pb.SetVariablesRequest(elementInstanceKey=key, variables="42"))
    )

    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT


# ---------------------------------------------------------------------- cluster


async def test_topology_shows_one_broker_with_one_leading_partition(client: ZeebeClient) -> None:
    topology = await client.topology()

    assert (topology.cluster_size, topology.partitions_count, topology.replication_factor) == (1, 1, 1)
    (broker,) = topology.brokers
    assert [(p.partition_id, p.role.name, p.health.name) for p in broker.partitions] == [
        (1, "LEADER", "HEALTHY")
    ]
    assert topology.gateway_version


async def test_health_service_reports_the_gateway_serving(
    client: ZeebeClient, channel: grpc.aio.Channel
) -> None:
    assert (await client.healthcheck()).status == HealthCheckResponse.ServingStatus.SERVING

    response = await HealthStub(channel).Check(
        health_pb2.HealthCheckRequest(service="gateway_protocol.Gateway")
    )
    assert response.status == health_pb2.HealthCheckResponse.SERVING
