"""Backpressure: an overloaded engine refuses new work with RESOURCE_EXHAUSTED, never job completions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from engine.server import RunningEngine, start_engine
from engine.settings import EngineSettings
from tests.integration.engine import diagrams as d

CALLS = 200


@pytest.fixture
async def tight_engine(tmp_path: Path) -> AsyncIterator[RunningEngine]:
    """An engine that lets only two commands wait for their write at a time."""
    running = await start_engine(
        EngineSettings(port=0, http_port=0, data_dir=tmp_path / "engine", max_pending=2)
    )
    yield running
    await running.stop()


@pytest.fixture
async def stub(tight_engine: RunningEngine) -> AsyncIterator[GatewayStub]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{tight_engine.port}") as channel:
        stub = GatewayStub(channel)
        document = d.single_task("pressure", "pressure.work")
        await stub.DeployResource(
            pb.DeployResourceRequest(resources=[pb.Resource(name="p.bpmn", content=document)])
        )
        yield stub


async def create(stub: GatewayStub) -> grpc.StatusCode:
    return (await create_answer(stub))[0]


async def create_answer(stub: GatewayStub) -> tuple[grpc.StatusCode, str]:
    try:
        await stub.CreateProcessInstance(
            pb.CreateProcessInstanceRequest(bpmnProcessId="pressure", version=-1)
        )
    except grpc.aio.AioRpcError as error:
        return error.code(), error.details() or ""
    return grpc.StatusCode.OK, ""


async def test_creating_instances_beyond_capacity_answers_resource_exhausted(stub: GatewayStub) -> None:
    answers = await asyncio.gather(*(create_answer(stub) for _ in range(CALLS)))

    assert {code for code, _ in answers} == {grpc.StatusCode.OK, grpc.StatusCode.RESOURCE_EXHAUSTED}
    assert {details for code, details in answers if code is grpc.StatusCode.RESOURCE_EXHAUSTED} == {
        "Expected to execute the command on one of the partitions, but all failed; there are no more "
        "partitions available to retry. Please try again. If the error persists contact your zeebe operator"
    }


async def test_completing_jobs_is_never_refused_for_overload(stub: GatewayStub) -> None:
    for _ in range(40):
        assert await create(stub) == grpc.StatusCode.OK
    keys: list[int] = []
    while len(keys) < 40:
        async for response in stub.ActivateJobs(
            pb.ActivateJobsRequest(type="pressure.work", worker="w", timeout=60_000, maxJobsToActivate=100)
        ):
            keys.extend(job.key for job in response.jobs)

    async def complete(key: int) -> grpc.StatusCode:
        try:
            await stub.CompleteJob(pb.CompleteJobRequest(jobKey=key, variables="{}"))
        except grpc.aio.AioRpcError as error:
            return error.code()
        return grpc.StatusCode.OK

    codes = await asyncio.gather(*(complete(k) for k in keys), *(create(stub) for _ in range(CALLS)))

    assert set(codes[: len(keys)]) == {grpc.StatusCode.OK}
    assert grpc.StatusCode.RESOURCE_EXHAUSTED in codes[len(keys) :]
