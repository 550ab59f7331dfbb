"""Command latencies land in ``engine_command_duration_seconds``, one series per gRPC method."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from engine.metrics.latency import BUCKETS, CommandLatency


def count(registry: CollectorRegistry, command: str) -> float | None:
    return registry.get_sample_value("engine_command_duration_seconds_count", {"command": command})


def test_a_measured_command_is_observed_once_under_its_name() -> None:
    registry = CollectorRegistry()
    latency = CommandLatency(registry)

    with latency.measure("CompleteJob"):
        pass

    assert count(registry, "CompleteJob") == 1
    assert count(registry, "FailJob") is None


def test_a_command_that_fails_is_observed_too() -> None:
    registry = CollectorRegistry()
    latency = CommandLatency(registry)

    with pytest.raises(LookupError), latency.measure("ResolveIncident"):
        raise LookupError("no such incident")

    assert count(registry, "ResolveIncident") == 1


def test_declared_commands_are_exposed_at_zero_before_their_first_call() -> None:
    registry = CollectorRegistry()
    latency = CommandLatency(registry)

    latency.declare(["CreateProcessInstance", "ActivateJobs"])

    assert count(registry, "CreateProcessInstance") == 0
    assert count(registry, "ActivateJobs") == 0


def test_buckets_reach_from_a_tenth_of_a_millisecond_to_tens_of_seconds() -> None:
    assert BUCKETS[0] == 0.0001
    assert BUCKETS[-1] >= 15
    assert list(BUCKETS) == sorted(BUCKETS)
