"""An engine per test, started in the test's process on free ports, and pyzeebe clients for it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

import grpc
import httpx
import pytest
from pyzeebe import ZeebeClient, ZeebeWorker, create_insecure_channel
from pyzeebe.grpc_internals.types import DeployResourceResponse
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from engine.server import RunningEngine, start_engine
from engine.settings import EngineSettings
from tests.integration.engine.observe import Jobs, ReadApi


class Deploy(Protocol):
    async def __call__(self, document: bytes, name: str | None = None) -> DeployResourceResponse: ...


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[RunningEngine]:
    running = await start_engine(EngineSettings(port=0, http_port=0, data_dir=tmp_path / "engine"))
    yield running
    await running.stop()


@pytest.fixture
async def channel(engine: RunningEngine) -> AsyncIterator[grpc.aio.Channel]:
    channel = create_insecure_channel(grpc_address=f"127.0.0.1:{engine.port}")
    yield channel
    await channel.close()


@pytest.fixture
def client(channel: grpc.aio.Channel) -> ZeebeClient:
    return ZeebeClient(channel)


@pytest.fixture
def deploy(client: ZeebeClient, tmp_path: Path) -> Deploy:
    """Deploy a BPMN document through pyzeebe (which deploys files), under ``name`` if given."""
    counter = iter(range(1_000_000))

    async def deploy(document: bytes, name: str | None = None) -> DeployResourceResponse:
        folder = tmp_path / f"deployment-{next(counter)}"
        folder.mkdir()
        path = folder / (name or "diagram.bpmn")
        path.write_bytes(document)
        return await client.deploy_resource(str(path))

    return deploy


@pytest.fixture
async def worker(channel: grpc.aio.Channel) -> AsyncIterator[ZeebeWorker]:
    """A pyzeebe worker that starts working when the test adds its tasks and awaits ``start_worker``."""
    worker = ZeebeWorker(channel, poll_retry_delay=0)
    yield worker
    await worker.stop()


async def run_worker(worker: ZeebeWorker) -> asyncio.Task[None]:
    task = asyncio.create_task(worker.work())
    await asyncio.sleep(0)
    return task


@pytest.fixture
def gateway(channel: grpc.aio.Channel) -> GatewayStub:
    """The raw gateway stub, for the calls pyzeebe's client does not offer."""
    return GatewayStub(channel)


@pytest.fixture
def jobs(gateway: GatewayStub) -> Jobs:
    return Jobs(gateway)


@pytest.fixture
async def read_api(engine: RunningEngine) -> AsyncIterator[ReadApi]:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{engine.http_port}", timeout=10) as http:
        yield ReadApi(http)
