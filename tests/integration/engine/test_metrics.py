"""``GET /metrics`` on the HTTP port reports the engine's state and command latencies as they change.

Every command here goes through real gRPC and is answered once applied and written, so a scrape right
after it already sees its effect: nothing waits.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import httpx
import pytest
from pyzeebe import ZeebeClient, create_insecure_channel
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from engine.server import RunningEngine, start_engine
from engine.settings import EngineSettings
from tests.integration.engine import diagrams as d
from tests.integration.engine.conftest import Deploy
from tests.integration.engine.observe import Jobs, ReadApi, eventually, rpc_error
from tests.integration.engine.scrape import Metrics

PROCESS = "approval"
JOB_TYPE = "approval.review"
AN_HOUR_MS = 3_600_000


@pytest.fixture
async def metrics(engine: RunningEngine) -> AsyncIterator[Metrics]:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{engine.http_port}", timeout=10) as http:
        yield Metrics(http)


@pytest.fixture
async def approval(deploy: Deploy) -> None:
    await deploy(d.single_task(PROCESS, JOB_TYPE))


async def start(client: ZeebeClient, count: int = 1) -> list[int]:
    return [(await client.run_process(PROCESS, {})).process_instance_key for _ in range(count)]


async def fail_into_incident(jobs: Jobs, read_api: ReadApi) -> tuple[int, int]:
    """Fail one job with no retries left; returns its key and the key of the incident it raised."""
    job = await jobs.one(JOB_TYPE)
    await jobs.fail(job.key, retries=0, message="broken")
    (incident,) = await read_api.incidents(job.processInstanceKey)
    return job.key, incident["key"]


# ---------------------------------------------------------------------- process instances


@pytest.mark.usefixtures("approval")
async def test_a_deployed_process_is_reported_with_no_instances_and_no_incidents(metrics: Metrics) -> None:
    assert await metrics.active(PROCESS) == 0
    assert await metrics.incidents(PROCESS) == 0


@pytest.mark.usefixtures("approval")
async def test_started_instances_are_active(client: ZeebeClient, metrics: Metrics) -> None:
    await start(client, 3)

    assert await metrics.active(PROCESS) == 3


@pytest.mark.usefixtures("approval")
async def test_a_completed_instance_is_no_longer_active(
    client: ZeebeClient, jobs: Jobs, metrics: Metrics
) -> None:
    await start(client, 2)
    job = await jobs.one(JOB_TYPE)

    await jobs.complete(job.key)

    assert await metrics.active(PROCESS) == 1


@pytest.mark.usefixtures("approval")
async def test_a_canceled_instance_is_no_longer_active(client: ZeebeClient, metrics: Metrics) -> None:
    (key,) = await start(client)

    await client.cancel_process_instance(key)

    assert await metrics.active(PROCESS) == 0


# ---------------------------------------------------------------------- jobs


@pytest.mark.usefixtures("approval")
async def test_jobs_of_started_instances_are_activatable(client: ZeebeClient, metrics: Metrics) -> None:
    await start(client, 3)

    assert await metrics.activatable(JOB_TYPE) == 3


@pytest.mark.usefixtures("approval")
async def test_activated_jobs_are_no_longer_activatable(
    client: ZeebeClient, jobs: Jobs, metrics: Metrics
) -> None:
    await start(client, 3)

    await jobs.activate(JOB_TYPE, max_jobs=2)

    assert await metrics.activatable(JOB_TYPE) == 1


@pytest.mark.usefixtures("approval")
async def test_a_job_failed_with_retries_left_is_activatable_again(
    client: ZeebeClient, jobs: Jobs, metrics: Metrics
) -> None:
    await start(client)
    job = await jobs.one(JOB_TYPE)

    await jobs.fail(job.key, retries=2, message="try again")

    assert await metrics.activatable(JOB_TYPE) == 1


@pytest.mark.usefixtures("approval")
async def test_a_job_waiting_out_its_retry_back_off_is_not_activatable(
    client: ZeebeClient, jobs: Jobs, metrics: Metrics
) -> None:
    await start(client)
    job = await jobs.one(JOB_TYPE)

    await jobs.fail(job.key, retries=2, message="later", backoff_ms=AN_HOUR_MS)

    assert await metrics.activatable(JOB_TYPE) == 0


# ---------------------------------------------------------------------- incidents


@pytest.mark.usefixtures("approval")
async def test_a_job_out_of_retries_opens_an_incident_and_is_not_activatable(
    client: ZeebeClient, jobs: Jobs, read_api: ReadApi, metrics: Metrics
) -> None:
    await start(client)

    await fail_into_incident(jobs, read_api)

    assert await metrics.incidents(PROCESS) == 1
    assert await metrics.activatable(JOB_TYPE) == 0


@pytest.mark.usefixtures("approval")
async def test_resolving_an_incident_closes_it_and_makes_its_job_activatable_again(
    client: ZeebeClient, jobs: Jobs, read_api: ReadApi, metrics: Metrics
) -> None:
    await start(client)
    job_key, incident_key = await fail_into_incident(jobs, read_api)

    await jobs.update_retries(job_key, 1)
    await jobs.resolve_incident(incident_key)

    assert await metrics.incidents(PROCESS) == 0
    assert await metrics.activatable(JOB_TYPE) == 1


@pytest.mark.usefixtures("approval")
async def test_canceling_an_instance_closes_its_incidents(
    client: ZeebeClient, jobs: Jobs, read_api: ReadApi, metrics: Metrics
) -> None:
    (key,) = await start(client)
    await fail_into_incident(jobs, read_api)

    await client.cancel_process_instance(key)

    assert await metrics.incidents(PROCESS) == 0


# ---------------------------------------------------------------------- command latencies


async def test_every_implemented_command_has_a_latency_series_from_the_start(metrics: Metrics) -> None:
    counts = await metrics.command_counts()

    assert {"CreateProcessInstance", "ActivateJobs", "CompleteJob", "FailJob", "ThrowError"} <= counts.keys()
    assert set(counts.values()) == {0}


@pytest.mark.usefixtures("approval")
async def test_each_command_served_is_recorded_once_under_its_grpc_method(
    client: ZeebeClient, jobs: Jobs, metrics: Metrics
) -> None:
    before = await metrics.command_counts()
    await start(client, 3)
    first, second, third = await jobs.activate(JOB_TYPE, max_jobs=3)
    await jobs.complete(first.key)
    await jobs.fail(second.key, retries=1, message="again")
    await jobs.throw_error(third.key, "NOT_CAUGHT")

    after = await metrics.command_counts()

    served = {command: after[command] - before.get(command, 0) for command in after}
    assert {command: n for command, n in served.items() if n} == {
        "CreateProcessInstance": 3,
        "ActivateJobs": 1,
        "CompleteJob": 1,
        "FailJob": 1,
        "ThrowError": 1,
    }


async def test_a_rejected_command_is_recorded_too(jobs: Jobs, metrics: Metrics) -> None:
    error = await rpc_error(jobs.complete(123))

    assert error.code() is grpc.StatusCode.NOT_FOUND
    assert (await metrics.command_counts())["CompleteJob"] == 1


@pytest.mark.usefixtures("approval")
async def test_a_long_poll_is_recorded_once_per_activation_attempt_not_for_its_wait(
    client: ZeebeClient, jobs: Jobs, metrics: Metrics
) -> None:
    poll = asyncio.create_task(jobs.activate(JOB_TYPE, request_timeout_ms=AN_HOUR_MS))
    # Once its first attempt is recorded, the poll has found nothing and waits for a job to appear.
    await eventually(metrics.command_counts, lambda counts: counts["ActivateJobs"] == 1, "first attempt")

    await start(client)
    activated = await poll

    assert len(activated) == 1
    assert (await metrics.command_counts())["ActivateJobs"] == 2


# ---------------------------------------------------------------------- engines and restarts


@pytest.mark.usefixtures("approval")
async def test_each_engine_exposes_only_its_own_metrics(
    client: ZeebeClient, metrics: Metrics, tmp_path: Path
) -> None:
    other = await start_engine(EngineSettings(port=0, http_port=0, data_dir=tmp_path / "other"))
    try:
        await start(client)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{other.http_port}", timeout=10) as http:
            assert await Metrics(http).active(PROCESS) is None
        assert await metrics.active(PROCESS) == 1
    finally:
        await other.stop()


async def test_gauges_count_the_state_an_engine_recovers_on_restart(tmp_path: Path) -> None:
    settings = EngineSettings(port=0, http_port=0, data_dir=tmp_path / "engine")
    diagram = tmp_path / "approval.bpmn"
    diagram.write_bytes(d.single_task(PROCESS, JOB_TYPE))
    before = await start_engine(settings)
    channel = create_insecure_channel(grpc_address=f"127.0.0.1:{before.port}")
    try:
        client, jobs = ZeebeClient(channel), Jobs(GatewayStub(channel))
        await client.deploy_resource(str(diagram))
        await start(client, 3)
        (failed,) = await jobs.activate(JOB_TYPE, max_jobs=1)
        await jobs.fail(failed.key, retries=0, message="broken")
        await jobs.activate(JOB_TYPE, max_jobs=1, timeout_ms=AN_HOUR_MS)
    finally:
        await channel.close()
        await before.stop()

    after = await start_engine(settings)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{after.http_port}", timeout=10) as http:
            metrics = Metrics(http)
            assert await metrics.active(PROCESS) == 3
            assert await metrics.incidents(PROCESS) == 1
            assert await metrics.activatable(JOB_TYPE) == 1
    finally:
        await after.stop()
