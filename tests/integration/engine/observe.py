"""Looking at a running engine from the outside: its Operate-shaped read API and raw gateway job calls.

Everything that waits here waits for a condition with a bounded timeout and fails with what it saw
last; nothing sleeps a fixed time to let the engine "catch up".
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import grpc
import httpx
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

T = TypeVar("T")

DEFAULT_TIMEOUT = 5.0
POLL_INTERVAL = 0.02


class NotReached(AssertionError):
    """A condition did not hold before its deadline."""


async def eventually(
    probe: Callable[[], Awaitable[T]],
    accept: Callable[[T], bool],
    what: str,
    timeout: float = DEFAULT_TIMEOUT,
) -> T:
    """Call ``probe`` until ``accept`` holds for its result; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        seen = await probe()
        if accept(seen):
            return seen
        if time.monotonic() >= deadline:
            raise NotReached(f"{what}: not reached within {timeout}s; last seen: {seen!r}")
        await asyncio.sleep(POLL_INTERVAL)


class ReadApi:
    """The engine's Operate-shaped read API (``/v1/...``)."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def search(self, resource: str, filter_: dict[str, Any], size: int = 1000) -> list[dict[str, Any]]:
        body = {"filter": filter_, "size": size, "sort": [{"field": "key", "order": "ASC"}]}
        response = await self.http.post(f"/v1/{resource}/search", json=body)
        response.raise_for_status()
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def instance(self, key: int) -> dict[str, Any] | None:
        response = await self.http.get(f"/v1/process-instances/{key}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        found: dict[str, Any] = response.json()
        return found

    async def flow_nodes(self, instance_key: int, **filter_: Any) -> list[dict[str, Any]]:
        """Flow-node instances of the instance in creation order (keys grow)."""
        return await self.search("flownode-instances", {"processInstanceKey": instance_key, **filter_})

    async def incidents(self, instance_key: int, state: str | None = "ACTIVE") -> list[dict[str, Any]]:
        filter_: dict[str, Any] = {"processInstanceKey": instance_key}
        if state is not None:
            filter_["state"] = state
        return await self.search("incidents", filter_)

    async def variables(self, instance_key: int, scope_key: int | None = None) -> dict[str, Any]:
        """Variables of one scope (the root scope by default), decoded from JSON."""
        scope = instance_key if scope_key is None else scope_key
        items = await self.search("variables", {"processInstanceKey": instance_key, "scopeKey": scope})
        return {item["name"]: json.loads(item["value"]) for item in items}

    # ------------------------------------------------------------------ waiting
    async def wait_state(self, key: int, state: str, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
        """Wait until the process instance is in ``state`` (ACTIVE, COMPLETED, CANCELED)."""
        found = await eventually(
            lambda: self.instance(key),
            lambda i: i is not None and i["state"] == state,
            f"process instance {key} in state {state}",
            timeout,
        )
        assert found is not None
        return found

    async def wait_completed(self, key: int, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
        return await self.wait_state(key, "COMPLETED", timeout)

    async def wait_incident(self, key: int, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
        """Wait for the instance's (first) active incident."""
        incidents = await eventually(
            lambda: self.incidents(key), bool, f"an active incident in process instance {key}", timeout
        )
        return incidents[0]

    async def wait_flow_node(
        self,
        key: int,
        flow_node_id: str,
        state: str = "COMPLETED",
        count: int = 1,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> list[dict[str, Any]]:
        """Wait until at least ``count`` instances of the flow node are in ``state``; returns them."""
        return await eventually(
            lambda: self.flow_nodes(key, flowNodeId=flow_node_id, state=state),
            lambda nodes: len(nodes) >= count,
            f"{count} x {flow_node_id} {state} in process instance {key}",
            timeout,
        )

    async def ran(self, key: int) -> list[str]:
        """The ids of the flow nodes that completed, in the order they were entered."""
        return [n["flowNodeId"] for n in await self.flow_nodes(key, state="COMPLETED")]

    async def active(self, key: int) -> list[str]:
        return [n["flowNodeId"] for n in await self.flow_nodes(key, state="ACTIVE")]


class Jobs:
    """Job and incident commands pyzeebe's client has no call for, on the raw gateway stub."""

    def __init__(self, stub: GatewayStub) -> None:
        self.stub = stub

    async def activate(
        self,
        job_type: str,
        *,
        max_jobs: int = 32,
        timeout_ms: int = 30_000,
        request_timeout_ms: int = -1,
        fetch: Sequence[str] = (),
        worker: str = "test-worker",
    ) -> list[pb.ActivatedJob]:
        """One ActivateJobs call (by default answering at once, without a long poll)."""
        request = pb.ActivateJobsRequest(
            type=job_type,
            worker=worker,
            timeout=timeout_ms,
            maxJobsToActivate=max_jobs,
            requestTimeout=request_timeout_ms,
            fetchVariable=list(fetch),
        )
        return [job async for response in self.stub.ActivateJobs(request) for job in response.jobs]

    async def wait(
        self,
        job_type: str,
        count: int = 1,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        timeout_ms: int = 30_000,
        fetch: Sequence[str] = (),
    ) -> list[pb.ActivatedJob]:
        """Activate until ``count`` jobs of the type were activated (long polls bounded by ``timeout``)."""
        jobs: list[pb.ActivatedJob] = []
        deadline = time.monotonic() + timeout
        while len(jobs) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise NotReached(f"{count} job(s) of type {job_type!r}: got {len(jobs)} within {timeout}s")
            jobs += await self.activate(
                job_type,
                max_jobs=count - len(jobs),
                timeout_ms=timeout_ms,
                request_timeout_ms=max(1, int(remaining * 1000)),
                fetch=fetch,
            )
        return jobs

    async def one(self, job_type: str, **kwargs: Any) -> pb.ActivatedJob:
        (job,) = await self.wait(job_type, 1, **kwargs)
        return job

    async def complete(self, job_key: int, variables: dict[str, Any] | None = None) -> None:
        await self.stub.CompleteJob(
            pb.CompleteJobRequest(jobKey=job_key, variables=json.dumps(variables or {}))
        )

    async def fail(self, job_key: int, retries: int, message: str = "", backoff_ms: int = 0) -> None:
        await self.stub.FailJob(
            pb.FailJobRequest(jobKey=job_key, retries=retries, errorMessage=message, retryBackOff=backoff_ms)
        )

    async def throw_error(
        self, job_key: int, code: str, message: str = "", variables: dict[str, Any] | None = None
    ) -> None:
        await self.stub.ThrowError(
            pb.ThrowErrorRequest(
                jobKey=job_key, errorCode=code, errorMessage=message, variables=json.dumps(variables or {})
            )
        )

    async def update_retries(self, job_key: int, retries: int) -> None:
        await self.stub.UpdateJobRetries(pb.UpdateJobRetriesRequest(jobKey=job_key, retries=retries))

    async def update_timeout(self, job_key: int, timeout_ms: int) -> None:
        await self.stub.UpdateJobTimeout(pb.UpdateJobTimeoutRequest(jobKey=job_key, timeout=timeout_ms))

    async def resolve_incident(self, incident_key: int) -> None:
        await self.stub.ResolveIncident(pb.ResolveIncidentRequest(incidentKey=incident_key))

    async def set_variables(
        self, element_instance_key: int, variables: dict[str, Any], *, local: bool = False
    ) -> int:
        response = await self.stub.SetVariables(
            pb.SetVariablesRequest(
                elementInstanceKey=element_instance_key, variables=json.dumps(variables), local=local
            )
        )
        key: int = response.key
        return key


async def rpc_error(call: Awaitable[Any]) -> grpc.aio.AioRpcError:
    """Await a gateway call that must fail; returns its error."""
    try:
        await call
    except grpc.aio.AioRpcError as error:
        return error
    raise AssertionError("the call succeeded, but an error was expected")


def epoch_millis(date: str) -> int:
    """An Operate date (``2024-01-01T10:00:00.000+0000``) as epoch milliseconds."""
    return round(datetime.strptime(date, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() * 1000)


def duration_millis(node: dict[str, Any]) -> int:
    """How long a finished flow-node instance was active, by the read API's dates."""
    assert node["endDate"] is not None, f"{node['flowNodeId']} has not finished"
    return epoch_millis(node["endDate"]) - epoch_millis(node["startDate"])
