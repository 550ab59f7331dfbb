"""An engine per test for the checkout diagram: started in the test's process on free ports.

No commerce services and no other servers: pyzeebe workers registered by each test stand in for the
service workers. The engine is observed through its Operate-shaped read API.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import grpc
import httpx
import pytest
from pyzeebe import ZeebeClient, ZeebeWorker, create_insecure_channel

from engine.server import RunningEngine, start_engine
from engine.settings import EngineSettings

CHECKOUT_BPMN = Path(__file__).resolve().parents[3] / "bpmn" / "checkout.bpmn"
WAIT_S = 10.0

T = TypeVar("T")


async def eventually(probe: Callable[[], Awaitable[T]], accept: Callable[[T], bool], what: str) -> T:
    """Call ``probe`` until ``accept`` holds for its result; fail with the last result after WAIT_S."""
    deadline = time.monotonic() + WAIT_S
    while True:
        seen = await probe()
        if accept(seen):
            return seen
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what}: not reached within {WAIT_S}s; last seen: {seen!r}")
        await asyncio.sleep(0.02)


class ReadApi:
    """The few read API calls these tests need."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def instance(self, key: int) -> dict[str, Any] | None:
        response = await self.http.get(f"/v1/process-instances/{key}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        found: dict[str, Any] = response.json()
        return found

    async def flow_nodes(self, key: int) -> list[dict[str, Any]]:
        """Flow-node instances of the instance, in creation order."""
        body = {
            "filter": {"processInstanceKey": key},
            "size": 1000,
            "sort": [{"field": "key", "order": "ASC"}],
        }
        response = await self.http.post("/v1/flownode-instances/search", json=body)
        response.raise_for_status()
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def root_variables(self, key: int) -> dict[str, Any]:
        body = {"filter": {"processInstanceKey": key, "scopeKey": key}, "size": 1000}
        response = await self.http.post("/v1/variables/search", json=body)
        response.raise_for_status()
        return {item["name"]: json.loads(item["value"]) for item in response.json()["items"]}

    async def incidents(self, key: int) -> list[dict[str, Any]]:
        body = {"filter": {"processInstanceKey": key, "state": "ACTIVE"}, "size": 100}
        response = await self.http.post("/v1/incidents/search", json=body)
        response.raise_for_status()
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def wait_ended(self, key: int) -> dict[str, Any]:
        """Wait until the instance is no longer ACTIVE (or has an incident, which fails at once)."""

        async def probe() -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
            return await self.instance(key), await self.incidents(key)

        found, incidents = await eventually(
            probe,
            lambda seen: bool(seen[1]) or (seen[0] is not None and seen[0]["state"] != "ACTIVE"),
            f"process instance {key} ended",
        )
        assert not incidents, f"process instance {key} has incidents: {incidents}"
        assert found is not None
        return found


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
async def client(channel: grpc.aio.Channel) -> ZeebeClient:
    """A client with bpmn/checkout.bpmn deployed."""
    client = ZeebeClient(channel)
    await client.deploy_resource(str(CHECKOUT_BPMN))
    return client


@pytest.fixture
async def worker(channel: grpc.aio.Channel) -> AsyncIterator[ZeebeWorker]:
    """A pyzeebe worker; the test registers its tasks, then starts it with ``start_worker``."""
    worker = ZeebeWorker(channel, poll_retry_delay=0)
    yield worker
    await worker.stop()


@pytest.fixture
async def read_api(engine: RunningEngine) -> AsyncIterator[ReadApi]:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{engine.http_port}", timeout=10) as http:
        yield ReadApi(http)


async def start_worker(worker: ZeebeWorker) -> asyncio.Task[None]:
    task = asyncio.create_task(worker.work())
    await asyncio.sleep(0)
    return task
