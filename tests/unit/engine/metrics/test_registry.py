"""Each engine has its own registry: engines in one process neither collide nor see each other's series."""

from __future__ import annotations

from prometheus_client import REGISTRY

from engine.metrics.registry import EngineMetrics
from engine.runtime.partition import Partition


def test_two_engines_in_one_process_each_get_a_registry_of_their_own() -> None:
    first = EngineMetrics.of(Partition())
    second = EngineMetrics.of(Partition())

    with first.latency.measure("CompleteJob"):
        pass

    labels = {"command": "CompleteJob"}
    assert first.registry.get_sample_value("engine_command_duration_seconds_count", labels) == 1
    assert second.registry.get_sample_value("engine_command_duration_seconds_count", labels) is None


def test_the_process_wide_default_registry_is_left_alone() -> None:
    metrics = EngineMetrics.of(Partition())

    with metrics.latency.measure("CompleteJob"):
        pass

    assert (
        REGISTRY.get_sample_value("engine_command_duration_seconds_count", {"command": "CompleteJob"}) is None
    )
