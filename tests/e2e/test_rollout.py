"""Rolling out a new version of the checkout diagram while checkouts run, as an operator would.

A gateway replica pinned to the current version takes checkouts while the workers are frozen, so they
are in flight when the next version is deployed. The gateway is then reconfigured (restarted with new
settings, as a rolling update does) to send a canary share to the new version, and finally all of it.
The in-flight checkouts finish on the version they started on; new traffic moves as configured.

The new version differs from the current one by a comment only, so the session's other tests, whose
checkouts start on the latest version through the stack's own gateway, behave exactly as before. The
replicas share the stack gateway's database (so the stack's invariant checks read their checkouts) and
run without the checkout projection, whose consumer group the stack's gateway already holds.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from pyzeebe.proto import gateway_pb2 as pb

from checkout_saga.layout import local
from checkout_saga.processes import ProcessSpec
from tests.e2e.conftest import ROOT, Stack, body, free_ports

IN_FLIGHT = 3
CANARY_CHECKOUTS = 20
ROLLED_OUT_CHECKOUTS = 4


@contextmanager
def gateway_replica(stack: Stack, name: str, **rollout: str) -> Iterator[str]:
    """One more replica of the stack's gateway (same database), on its own port, with ``rollout``
    settings; its URL. Replicas started one after another are the gateway being reconfigured."""
    [port] = free_ports(1)
    stack_gateway = next(spec for spec in stack.layout.specs() if spec.name == "gateway")
    env = {**stack_gateway.env, "GATEWAY_PORT": str(port), "GATEWAY_PROJECTION_ENABLED": "false", **rollout}
    stack.supervisor.start(ProcessSpec(name, stack_gateway.argv, local(port, "/health/ready"), env))
    try:
        yield local(port)
    finally:
        stack.supervisor.kill(name, signal.SIGTERM)


def start(stack: Stack, gateway_url: str) -> str:
    response = stack.start_checkout(body(("SKU-1", 1)), gateway=gateway_url)
    assert response.status_code == 202, response.text
    checkout_id: str = response.json()["id"]
    return checkout_id


def engine_version(stack: Stack, checkout: dict[str, Any]) -> int:
    """The version the engine itself says the checkout's instance runs on."""
    key = checkout["process_instance_key"]
    response = stack.http.get(stack.layout.url("engine_http", f"/v1/process-instances/{key}"))
    response.raise_for_status()
    version: int = response.json()["processVersion"]
    return version


def deploy(stack: Stack, diagram: bytes) -> int:
    """Deploy ``diagram`` as ``checkout.bpmn``; the version the engine gave it."""
    response = stack.zeebe.DeployResource(
        pb.DeployResourceRequest(resources=[pb.Resource(name="checkout.bpmn", content=diagram)])
    )
    version: int = response.deployments[0].process.version
    return version


@pytest.fixture
def diagram() -> bytes:
    return (ROOT / "bpmn" / "checkout.bpmn").read_bytes()


def test_in_flight_checkouts_finish_on_their_version_while_new_ones_move_to_the_next(
    stack: Stack, diagram: bytes
) -> None:
    current = deploy(stack, diagram)  # the deployed diagram again: Zeebe answers its current version
    pinned = {"GATEWAY_PROCESS_VERSION": str(current)}

    with gateway_replica(stack, "gateway-pinned", **pinned) as url:
        stack.supervisor.send_signal("workers", signal.SIGSTOP)
        try:
            in_flight = [start(stack, url) for _ in range(IN_FLIGHT)]
            waiting = [stack.checkout(checkout_id, gateway=url) for checkout_id in in_flight]
            following = deploy(
                stack, diagram.replace(b"</bpmn:definitions>", b"<!-- rollout --></bpmn:definitions>")
            )
        finally:
            stack.supervisor.send_signal("workers", signal.SIGCONT)
    with gateway_replica(stack, "gateway-canary", **pinned, GATEWAY_CANARY_PERCENT="50") as url:
        canary = [start(stack, url) for _ in range(CANARY_CHECKOUTS)]
        in_flight_ended = [stack.until(checkout_id, gateway=url) for checkout_id in in_flight]
        canary_ended = [stack.until(checkout_id, gateway=url) for checkout_id in canary]
    with gateway_replica(stack, "gateway-rolled-out", **pinned, GATEWAY_CANARY_PERCENT="100") as url:
        rolled_out_ended = [stack.until(start(stack, url), gateway=url) for _ in range(ROLLED_OUT_CHECKOUTS)]

    assert following == current + 1
    assert {(d["status"], d["process_version"]) for d in waiting} == {("RUNNING", current)}
    assert {(d["status"], d["process_version"]) for d in in_flight_ended} == {("COMPLETED", current)}
    assert {engine_version(stack, d) for d in in_flight_ended} == {current}
    # Random checkout ids: all twenty on one side of a 50% canary has probability 2 * 0.5**20.
    assert {d["process_version"] for d in canary_ended} == {current, following}
    assert all(engine_version(stack, d) == d["process_version"] for d in canary_ended)
    assert {d["status"] for d in canary_ended} == {"COMPLETED"}
    assert {(d["status"], d["process_version"]) for d in rolled_out_ended} == {("COMPLETED", following)}
