"""One engine's metrics: its own registry holding the state gauges and the command latency histogram."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry

from engine.metrics.latency import CommandLatency
from engine.metrics.state import StateCollector
from engine.runtime.partition import Partition


@dataclass(frozen=True, slots=True)
class EngineMetrics:
    """Not the process-global registry: several engines in one process each expose only their own."""

    registry: CollectorRegistry
    latency: CommandLatency

    @classmethod
    def of(cls, partition: Partition) -> EngineMetrics:
        registry = CollectorRegistry()
        registry.register(StateCollector(partition))
        return cls(registry, CommandLatency(registry))
