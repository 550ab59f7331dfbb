"""Every RPC the gateway serves is timed under its gRPC method name."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry
from pyzeebe.proto.gateway_pb2_grpc import GatewayServicer

from engine.grpc_api.servicer import Gateway
from engine.grpc_api.timing import implemented_rpcs, timed
from engine.metrics.latency import CommandLatency

STREAMING = {"ActivateJobs", "StreamActivatedJobs"}
"""Timed per activation attempt inside the method, not as a whole."""


class Echo:
    def __init__(self, latency: CommandLatency) -> None:
        self.latency = latency

    @timed
    async def Ping(self, request: str, context: Any) -> str:
        return request


async def test_a_timed_rpc_is_observed_under_its_method_name() -> None:
    registry = CollectorRegistry()

    answer = await Echo(CommandLatency(registry)).Ping("hello", None)

    assert answer == "hello"
    assert registry.get_sample_value("engine_command_duration_seconds_count", {"command": "Ping"}) == 1


def test_the_rpcs_the_gateway_implements_are_the_ones_it_overrides() -> None:
    rpcs = implemented_rpcs(Gateway, GatewayServicer)

    assert {"CreateProcessInstance", "ActivateJobs", "CompleteJob", "FailJob", "ThrowError"} <= set(rpcs)
    assert "EvaluateDecision" not in rpcs


def test_every_unary_rpc_the_gateway_implements_is_timed() -> None:
    unary = set(implemented_rpcs(Gateway, GatewayServicer)) - STREAMING

    untimed = {name for name in unary if not hasattr(getattr(Gateway, name), "__wrapped__")}

    assert untimed == set()
