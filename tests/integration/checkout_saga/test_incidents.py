"""``checkout-saga incidents list|resolve`` as an operator runs it, against a real local engine.

The engine runs in the test's event loop; the command runs as its own process (the installed
``checkout-saga`` script), pointed at the engine by ``ZEEBE_ADDRESS`` and ``INCIDENTS_OPERATE_URL``
exactly as the runbook says. Incidents are made the way production makes them: a worker fails a job
with no retries left. After the command, a test worker activates the jobs again and completes them,
which proves the instances really carry on.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import httpx
import pytest
from pyzeebe import ZeebeClient, create_insecure_channel
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from engine.server import RunningEngine, start_engine
from engine.settings import EngineSettings
from tests.integration.engine import diagrams as d
from tests.integration.engine.observe import Jobs, ReadApi, eventually

PROCESS_ID = "bulk-incidents"
CLI = Path(sys.executable).parent / "checkout-saga"
COMMAND_TIMEOUT_S = 60


def diagram(name: str) -> bytes:
    """Two steps; ``name`` differs between versions so the second deployment is a new version."""
    return d.process(
        PROCESS_ID,
        d.start(),
        d.service_task("charge", "bulk.charge", retries="3"),
        d.service_task("ship", "bulk.ship", retries="3"),
        d.end(),
        d.chain("start", "charge", "ship", "end"),
        f'<bpmn:textAnnotation id="note"><bpmn:text>{name}</bpmn:text></bpmn:textAnnotation>',
    )


@dataclass
class Instances:
    """The incidents the test starts from: three at ``charge`` (two on v1, one on v2), one at ``ship``."""

    charge_v1: list[int]
    charge_v2: int
    ship_v1: int


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
def jobs(channel: grpc.aio.Channel) -> Jobs:
    return Jobs(GatewayStub(channel))


@pytest.fixture
async def read_api(engine: RunningEngine) -> AsyncIterator[ReadApi]:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{engine.http_port}", timeout=10) as http:
        yield ReadApi(http)


@pytest.fixture
async def instances(channel: grpc.aio.Channel, jobs: Jobs, read_api: ReadApi, tmp_path: Path) -> Instances:
    client = ZeebeClient(channel)
    for version in (1, 2):
        path = tmp_path / f"v{version}" / "bulk.bpmn"
        path.parent.mkdir()
        path.write_bytes(diagram(f"version {version}"))
        deployed = await client.deploy_resource(str(path))
        assert deployed.deployments[0].version == version  # type: ignore[union-attr]

    async def start(version: int) -> int:
        started = await client.run_process(PROCESS_ID, {"n": version}, version=version)
        return started.process_instance_key

    charge_v1 = [await start(1), await start(1)]
    charge_v2 = await start(2)
    for job in await jobs.wait("bulk.charge", 3):
        await jobs.fail(job.key, retries=0, message="payment service unavailable (HTTP 503)")
    ship_v1 = await start(1)
    await jobs.complete((await jobs.one("bulk.charge")).key)
    await jobs.fail((await jobs.one("bulk.ship")).key, retries=0, message="order service timed out")
    for key in [*charge_v1, charge_v2, ship_v1]:
        await read_api.wait_incident(key)
    return Instances(charge_v1, charge_v2, ship_v1)


async def checkout_saga(
    engine: RunningEngine, *args: str, operate_url: str | None = None
) -> tuple[int, list[str]]:
    """Run the installed command against ``engine`` (or another Operate); its exit status and output."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("ZEEBE_", "CAMUNDA_", "INCIDENTS_"))
    }
    environment |= {
        "ZEEBE_ADDRESS": f"127.0.0.1:{engine.port}",
        "INCIDENTS_OPERATE_URL": operate_url or f"http://127.0.0.1:{engine.http_port}",
    }
    process = await asyncio.create_subprocess_exec(
        str(CLI),
        "incidents",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=environment,
    )
    output, _ = await asyncio.wait_for(process.communicate(), COMMAND_TIMEOUT_S)
    assert process.returncode is not None
    return process.returncode, output.decode().splitlines()


async def open_incident_instances(read_api: ReadApi) -> set[int]:
    found = await read_api.search("incidents", {"state": "ACTIVE"})
    return {item["processInstanceKey"] for item in found}


async def test_list_shows_the_open_incidents_the_filters_select(
    engine: RunningEngine, instances: Instances
) -> None:
    status, everything = await checkout_saga(engine, "list", "--process-id", PROCESS_ID)
    _, of_v2 = await checkout_saga(engine, "list", "--process-id", PROCESS_ID, "--version", "2")
    _, at_ship = await checkout_saga(engine, "list", "--process-id", PROCESS_ID, "--element", "ship")
    _, no_retries = await checkout_saga(engine, "list", "--all-processes", "--error-type", "JOB_NO_RETRIES")
    _, of_checkout = await checkout_saga(engine, "list")  # the default process, checkout, has none

    assert status == 0
    assert everything[-1] == "4 open incident(s)"
    assert sum(f"instance {key} element charge JOB_NO_RETRIES" in line for line in everything
               for key in [*instances.charge_v1, instances.charge_v2]) == 3  # fmt: skip
    assert any("element ship" in line and "order service timed out" in line for line in everything)
    assert of_v2[-1] == "1 open incident(s)"
    assert f"instance {instances.charge_v2} " in of_v2[0]
    assert at_ship[-1] == "1 open incident(s)"
    assert f"instance {instances.ship_v1} " in at_ship[0]
    assert no_retries[-1] == "4 open incident(s)"
    assert of_checkout == ["0 open incident(s)"]


async def test_resolve_gives_the_jobs_retries_and_the_instances_carry_on(
    engine: RunningEngine, instances: Instances, jobs: Jobs, read_api: ReadApi
) -> None:
    selection = ["--process-id", PROCESS_ID, "--version", "1", "--element", "charge"]

    dry_status, dry_run = await checkout_saga(engine, "resolve", *selection, "--dry-run")
    assert dry_status == 0
    assert [line.split()[:2] for line in dry_run[:-1]] == [["would", "resolve"]] * 2
    assert len(await open_incident_instances(read_api)) == 4  # the dry run changed nothing

    status, output = await checkout_saga(engine, "resolve", *selection, "--retries", "2")
    assert status == 0, output
    assert output[-1] == "2 incident(s): 2 resolved, 0 failed"
    assert all(line.startswith("resolved incident") for line in output[:-1])
    assert await open_incident_instances(read_api) == {instances.charge_v2, instances.ship_v1}

    # A worker now gets the two charge jobs again, with the retries the command gave them.
    retried = await jobs.wait("bulk.charge", 2)
    assert sorted(job.processInstanceKey for job in retried) == sorted(instances.charge_v1)
    assert [job.retries for job in retried] == [2, 2]
    for job in retried:
        await jobs.complete(job.key)
    for job in await jobs.wait("bulk.ship", 2):
        await jobs.complete(job.key)
    for key in instances.charge_v1:
        await read_api.wait_completed(key)

    # The rest in one go: every version and element of the process.
    status, output = await checkout_saga(engine, "resolve", "--process-id", PROCESS_ID)
    assert status == 0, output
    assert output[-1] == "2 incident(s): 2 resolved, 0 failed"
    (charge,) = await jobs.wait("bulk.charge", 1)
    assert (charge.processInstanceKey, charge.retries) == (instances.charge_v2, 1)  # Operate's one retry
    await jobs.complete(charge.key)
    shipping = await jobs.wait("bulk.ship", 2)
    retries = {job.processInstanceKey: job.retries for job in shipping}
    assert retries == {instances.charge_v2: 3, instances.ship_v1: 1}  # a fresh job; the resolved one
    for job in shipping:
        await jobs.complete(job.key)
    for key in (instances.charge_v2, instances.ship_v1):
        await read_api.wait_completed(key)

    # Nothing left: a second run finds nothing and succeeds.
    status, output = await checkout_saga(engine, "resolve", "--process-id", PROCESS_ID)
    assert (status, output) == (0, ["0 incident(s): 0 resolved, 0 failed"])
    await eventually(lambda: open_incident_instances(read_api), lambda open_: not open_, "no open incident")


async def test_an_unreachable_operate_is_an_error_not_an_empty_list(engine: RunningEngine) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{unused.getsockname()[1]}"

        status, output = await checkout_saga(engine, "resolve", operate_url=nowhere)

    assert status == 2
    assert output[-1].startswith(f"error: Operate at {nowhere}")
