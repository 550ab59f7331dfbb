"""Durability: what the engine acknowledged survives ``kill -9`` and carries on after a restart."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from pyzeebe import ZeebeWorker
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from engine.server import start_engine
from engine.settings import EngineSettings
from tests.integration.engine import diagrams as d
from tests.integration.engine.engine_process import EngineProcess

ONE_TASK = d.process("crash_one_task", d.start(), d.service_task("task", "crash.work"), d.end(),
                     d.chain("start", "task", "end"))  # fmt: skip
WAITING = d.process(
    "crash_waiting",
    d.start(),
    d.gateway("parallelGateway", "fork"),
    d.timer_catch("timer", "PT1S"),
    d.message_catch("wait_message", "msg"),
    d.service_task("failing", "crash.fail"),
    d.gateway("parallelGateway", "join"),
    d.end(),
    d.chain("start", "fork"),
    d.flow("fork", "timer"),
    d.flow("fork", "wait_message"),
    d.flow("fork", "failing"),
    d.flow("timer", "join"),
    d.flow("wait_message", "join"),
    d.flow("failing", "join"),
    d.flow("join", "end"),
    definitions=[d.message_definition("msg", "crash-message", "=orderId")],
)


@pytest.fixture
def engine_process(tmp_path: Path) -> Iterator[EngineProcess]:
    process = EngineProcess(tmp_path / "engine")
    process.start()
    yield process
    with contextlib.suppress(AssertionError):
        process.terminate()


@pytest.fixture
async def gateway(engine_process: EngineProcess) -> AsyncIterator[GatewayStub]:
    async with grpc.aio.insecure_channel(engine_process.address) as channel:
        yield GatewayStub(channel)


async def deploy(stub: GatewayStub, name: str, content: bytes) -> None:
    await stub.DeployResource(pb.DeployResourceRequest(resources=[pb.Resource(name=name, content=content)]))


async def instance_state(http_url: str, key: int) -> str:
    async with httpx.AsyncClient(base_url=http_url) as http:
        response = await http.get(f"/v1/process-instances/{key}")
        response.raise_for_status()
        state: str = response.json()["state"]
        return state


async def wait_for_states(http_url: str, keys: list[int], state: str, timeout: float = 30) -> dict[int, str]:
    """Poll the read API until every instance is in ``state`` (or the time is up); returns the last seen."""
    seen: dict[int, str] = {}
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        for key in keys:
            if seen.get(key) != state:
                seen[key] = await instance_state(http_url, key)
        if all(s == state for s in seen.values()) or asyncio.get_running_loop().time() > deadline:
            return seen
        await asyncio.sleep(0.2)


async def test_every_acknowledged_instance_survives_kill_9_during_load(
    engine_process: EngineProcess, gateway: GatewayStub
) -> None:
    await deploy(gateway, "one.bpmn", ONE_TASK)
    acknowledged: list[int] = []

    async def create_forever() -> None:
        while True:
            response = await gateway.CreateProcessInstance(
                pb.CreateProcessInstanceRequest(bpmnProcessId="crash_one_task", version=-1, variables="{}")
            )
            acknowledged.append(response.processInstanceKey)

    creators = [asyncio.create_task(create_forever()) for _ in range(16)]
    while len(acknowledged) < 300:
        await asyncio.sleep(0.01)
    engine_process.kill()
    for creator in creators:
        with contextlib.suppress(grpc.aio.AioRpcError, asyncio.CancelledError):
            await creator
    engine_process.start()

    async with grpc.aio.insecure_channel(engine_process.address) as channel:
        worker = ZeebeWorker(channel, poll_retry_delay=0)

        @worker.task(task_type="crash.work", max_jobs_to_activate=64, max_running_jobs=64)
        async def work() -> dict[str, Any]:
            return {}

        working = asyncio.create_task(worker.work())
        states = await wait_for_states(engine_process.http_url, acknowledged, "COMPLETED", timeout=60)
        await worker.stop()
        working.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await working

    assert {k: s for k, s in states.items() if s != "COMPLETED"} == {}


async def test_timers_buffered_messages_and_incidents_continue_after_kill_9(
    engine_process: EngineProcess, gateway: GatewayStub
) -> None:
    await deploy(gateway, "waiting.bpmn", WAITING)
    await gateway.PublishMessage(
        pb.PublishMessageRequest(
            name="crash-message", correlationKey="order-7", timeToLive=60_000, variables="{}"
        )
    )
    created = await gateway.CreateProcessInstance(
        pb.CreateProcessInstanceRequest(
            bpmnProcessId="crash_waiting", version=-1, variables='{"orderId": "order-7"}'
        )
    )
    activated = [
        response
        async for response in gateway.ActivateJobs(
            pb.ActivateJobsRequest(type="crash.fail", worker="w", timeout=30_000, maxJobsToActivate=1)
        )
    ]
    job = activated[0].jobs[0]
    await gateway.FailJob(pb.FailJobRequest(jobKey=job.key, retries=0, errorMessage="boom"))
    engine_process.kill()
    engine_process.start()

    async with grpc.aio.insecure_channel(engine_process.address) as channel:
        stub = GatewayStub(channel)
        async with httpx.AsyncClient(base_url=engine_process.http_url) as http:
            incidents = (await http.post("/v1/incidents/search", json={"filter": {"state": "ACTIVE"}})).json()
        assert [(i["type"], i["message"]) for i in incidents["items"]] == [("JOB_NO_RETRIES", "boom")]
        await stub.UpdateJobRetries(pb.UpdateJobRetriesRequest(jobKey=job.key, retries=1))
        await stub.ResolveIncident(pb.ResolveIncidentRequest(incidentKey=incidents["items"][0]["key"]))
        worker = ZeebeWorker(channel, poll_retry_delay=0)

        @worker.task(task_type="crash.fail")
        async def fail() -> dict[str, Any]:
            return {"recovered": True}

        working = asyncio.create_task(worker.work())
        states = await wait_for_states(engine_process.http_url, [created.processInstanceKey], "COMPLETED")
        await worker.stop()
        working.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await working

    assert states == {created.processInstanceKey: "COMPLETED"}


async def test_after_a_failed_write_the_engine_acknowledges_nothing_until_restarted(tmp_path: Path) -> None:
    data_dir = tmp_path / "engine"
    running = await start_engine(EngineSettings(port=0, http_port=0, data_dir=data_dir))
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{running.port}") as channel:
            stub = GatewayStub(channel)
            await deploy(stub, "one.bpmn", ONE_TASK)
            running.service.store.close()  # the disk goes away under the engine: every write now fails

            create = pb.CreateProcessInstanceRequest(bpmnProcessId="crash_one_task", version=-1)
            with pytest.raises(grpc.aio.AioRpcError) as failed_write:
                await stub.CreateProcessInstance(create)
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await stub.CreateProcessInstance(create)
    finally:
        await running.stop()

    assert [failed_write.value.code(), refused.value.code()] == [grpc.StatusCode.UNAVAILABLE] * 2
    assert "restart it" in (refused.value.details() or "")
