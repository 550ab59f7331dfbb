"""The gateway over real HTTP, against the real local engine started in the test's process.

Each gateway is uvicorn in a thread (``LiveServer``) on SQLite or PostgreSQL; the engine runs in the
test's event loop with bpmn/checkout.bpmn deployed. There are no commerce services: the tests drive
the instances' jobs with pyzeebe stand-in workers (``standins.py``).

Everything that talks to the engine from the test is async, and the gateway is started and stopped
off the event loop (``asyncio.to_thread``): a blocking call in the test's loop would stall the engine
the gateway is waiting on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import grpc
import httpx
import pytest
from pyzeebe import ZeebeClient, ZeebeWorker, create_insecure_channel
from sqlalchemy import Engine, create_engine

from engine.server import RunningEngine, start_engine
from engine.settings import EngineSettings
from gateway.entrypoints.app import create_app
from gateway.service_layer.context import GatewayContext
from gateway.settings import GatewaySettings
from tests.databases import new_database
from tests.unit.services.support import LiveServer
from zeebe_connection import ZeebeSettings

CHECKOUT_BPMN = Path(__file__).resolve().parents[3] / "bpmn" / "checkout.bpmn"
SHOP_KEY = "shop-key-0123456789abcdef"
OTHER_KEY = "other-key-0123456789abcdef"
API_KEYS = f"shop={SHOP_KEY},other={OTHER_KEY}"
WAIT_S = 10.0
FAST_RECOVERY_S = 0.1

T = TypeVar("T")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def checkout_body(customer: str = "cust-1", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customer_id": customer,
        "items": [{"sku": "SKU-1", "quantity": 2}, {"sku": "SKU-3", "quantity": 1}],
        "payment_token": "tok_visa",
        "shipping_region": "EU-DE",
        "promo_code": None,
    }
    return {**body, **changes}


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


@dataclass
class LocalEngine:
    """The local engine: its ports, a Zeebe client and its read API."""

    running: RunningEngine
    channel: grpc.aio.Channel
    zeebe: ZeebeClient
    read_api: httpx.AsyncClient
    stopped: bool = False

    async def stop(self) -> None:
        """Stop the engine (gRPC and read API); a second call does nothing."""
        if not self.stopped:
            self.stopped = True
            await self.channel.close(grace=None)
            await self.running.stop()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.running.port}"

    @property
    def operate_url(self) -> str:
        return f"http://127.0.0.1:{self.running.http_port}"

    def worker(self) -> ZeebeWorker:
        return ZeebeWorker(self.channel, poll_retry_delay=0)

    async def root_variables(self, key: int) -> dict[str, Any]:
        body = {"filter": {"processInstanceKey": key, "scopeKey": key}, "size": 1000}
        response = await self.read_api.post("/v1/variables/search", json=body)
        response.raise_for_status()
        return {item["name"]: json.loads(item["value"]) for item in response.json()["items"]}

    async def instances_of(self, checkout_id: str) -> list[int]:
        """Keys of every process instance started for ``checkout_id``."""
        body = {"filter": {"name": "checkoutId"}, "size": 1000}
        response = await self.read_api.post("/v1/variables/search", json=body)
        response.raise_for_status()
        return [
            item["processInstanceKey"]
            for item in response.json()["items"]
            if item["value"] == f'"{checkout_id}"' and item["scopeKey"] == item["processInstanceKey"]
        ]


@asynccontextmanager
async def running_engine(data_dir: Path, port: int = 0, http_port: int = 0) -> AsyncIterator[LocalEngine]:
    running = await start_engine(EngineSettings(port=port, http_port=http_port, data_dir=data_dir))
    # A subchannel of its own: the gateway under test may have been failing to reach this address, and
    # a subchannel shared through gRPC's process-wide pool would still be waiting out its back-off.
    channel = create_insecure_channel(
        grpc_address=f"127.0.0.1:{running.port}", channel_options=(("grpc.use_local_subchannel_pool", 1),)
    )
    zeebe = ZeebeClient(channel)
    await zeebe.deploy_resource(str(CHECKOUT_BPMN))
    engine = LocalEngine(
        running, channel, zeebe, httpx.AsyncClient(base_url=f"http://127.0.0.1:{running.http_port}")
    )
    try:
        yield engine
    finally:
        await engine.read_api.aclose()
        await engine.stop()


@dataclass
class Gateway:
    """A running gateway: clients for both API clients (and none), and a direct view of its database."""

    url: str
    shop: httpx.AsyncClient
    other: httpx.AsyncClient
    anonymous: httpx.AsyncClient
    db: Engine
    backend: str
    settings: GatewaySettings
    context: GatewayContext
    """The running app's use-case context (its database, settings and settlements)."""
    started: list[str] = field(default_factory=list)

    async def start(
        self,
        body: dict[str, Any] | None = None,
        key: str | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> httpx.Response:
        return await (client or self.shop).post(
            "/v1/checkouts",
            json=body if body is not None else checkout_body(),
            headers={"Idempotency-Key": key or str(uuid.uuid4())},
        )

    async def started_id(self, body: dict[str, Any] | None = None) -> str:
        response = await self.start(body)
        assert response.status_code == 202, response.text
        checkout_id: str = response.json()["id"]
        return checkout_id

    async def get(self, checkout_id: str, **params: Any) -> dict[str, Any]:
        response = await self.shop.get(f"/v1/checkouts/{checkout_id}", params=params)
        assert response.status_code == 200, response.text
        document: dict[str, Any] = response.json()
        return document

    async def until(self, checkout_id: str, status: str) -> dict[str, Any]:
        return await eventually(lambda: self.get(checkout_id), lambda d: d["status"] == status, status)


def gateway_settings(database_url: str, operate_url: str, **overrides: Any) -> GatewaySettings:
    values: dict[str, Any] = {
        "api_keys": API_KEYS,
        "database_url": database_url,
        "operate_url": operate_url,
        "recovery_interval_seconds": FAST_RECOVERY_S,
        "start_timeout_seconds": 2.0,
        "recovery_lease_seconds": 5.0,
        # The projection consumer has tests of its own (test_projection.py); the others read Operate.
        "projection_enabled": False,
        **overrides,
    }
    return GatewaySettings(**values)


@asynccontextmanager
async def running_gateway(
    settings: GatewaySettings, zeebe_address: str, backend: str = "sqlite"
) -> AsyncIterator[Gateway]:
    app = create_app(settings, ZeebeSettings(address=zeebe_address))
    server = LiveServer(app)
    await asyncio.to_thread(server.__enter__)
    db = create_engine(settings.database_url.get_secret_value())
    try:
        async with (
            httpx.AsyncClient(
                base_url=server.url, timeout=40, headers={"Authorization": f"Bearer {SHOP_KEY}"}
            ) as shop,
            httpx.AsyncClient(
                base_url=server.url, timeout=40, headers={"Authorization": f"Bearer {OTHER_KEY}"}
            ) as other,
            httpx.AsyncClient(base_url=server.url, timeout=40) as anonymous,
        ):
            context = app.state.context
            assert isinstance(context, GatewayContext)
            yield Gateway(server.url, shop, other, anonymous, db, backend, settings, context)
    finally:
        db.dispose()
        await asyncio.to_thread(server.__exit__, None, None, None)


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[LocalEngine]:
    async with running_engine(tmp_path / "engine") as running:
        yield running


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    return new_database(request, request.param)


@pytest.fixture
async def gateway(engine: LocalEngine, database_url: str) -> AsyncIterator[Gateway]:
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    settings = gateway_settings(database_url, engine.operate_url)
    async with running_gateway(settings, engine.address, backend) as running:
        yield running


class Workers:
    """Stand-in workers on the engine: register tasks on ``worker``, then ``start`` it."""

    def __init__(self, worker: ZeebeWorker) -> None:
        self.worker = worker
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self.worker.work())
        await asyncio.sleep(0)

    async def stop(self) -> None:
        """Stop working (a second call does nothing)."""
        if self._task is None:
            return
        await self.worker.stop()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None


@pytest.fixture
async def workers(engine: LocalEngine) -> AsyncIterator[Workers]:
    running = Workers(engine.worker())
    yield running
    await running.stop()
