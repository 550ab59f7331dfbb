"""The metric names the stack exposes, to check that dashboards and rules only read real metrics.

Read from the components' real registries, with the series names Prometheus scrapes from each
family (``_total`` for counters, ``_bucket``/``_sum``/``_count`` for histograms...).
"""

from __future__ import annotations

from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from prometheus_client.core import Metric

from engine.metrics.registry import EngineMetrics
from engine.runtime.partition import Partition
from events.metrics import consumer_registry, relay_registry
from gateway.adapters.zeebe import instances_started_counter
from services.common.http_metrics import install_metrics
from workers.breaker import CircuitBreaker
from workers.metrics import WorkerMetrics

_SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_sum", "_count", "_created"),
    "summary": ("", "_sum", "_count", "_created"),
    "gaugehistogram": ("_bucket", "_gsum", "_gcount"),
    "info": ("_info",),
    "stateset": ("",),
    "gauge": ("",),
    "unknown": ("",),
}


def series_names(family: Metric) -> set[str]:
    """The names of the series Prometheus scrapes from ``family``."""
    return {f"{family.name}{suffix}" for suffix in _SUFFIXES[family.type]}


def registry_metric_names(registry: CollectorRegistry) -> set[str]:
    return {name for family in registry.collect() for name in series_names(family)}


def _registries() -> list[CollectorRegistry]:
    """Every component's registry, built empty: the families are there before any sample is."""
    breakers = {"payment": CircuitBreaker("payment", failure_threshold=5, reset_seconds=10)}
    return [
        WorkerMetrics(breakers, job_timeout_ms=30_000).registry,
        EngineMetrics.of(Partition()).registry,
        relay_registry([]),
        consumer_registry([]),
        install_metrics(FastAPI()),  # the gateway's and every service's HTTP metrics
        _gateway_registry(),
    ]


def _gateway_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    instances_started_counter(registry)
    return registry


def known_metric_names() -> set[str]:
    return {name for registry in _registries() for name in registry_metric_names(registry)}
