"""Gauges of what is true in the partition now, computed when Prometheus scrapes.

They read counts the partition already keeps up to date (per-process tallies, the activatable queue of
each job type), so a scrape costs one sample per process id and job type, not a walk over instances.
Reading the partition is safe only on the event loop thread that applies commands: ``endpoint`` serves
the registry from that loop for this reason.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from engine.runtime.partition import Partition

PROCESS_INSTANCES_ACTIVE = "engine_process_instances_active"
JOBS_ACTIVATABLE = "engine_jobs_activatable"
INCIDENTS_OPEN = "engine_incidents_open"


class StateCollector(Collector):
    """Active instances and open incidents per BPMN process id, activatable jobs per job type."""

    def __init__(self, partition: Partition) -> None:
        self._partition = partition

    def describe(self) -> Iterable[Metric]:
        """The families without samples: registering the collector then does not read the partition."""
        return self._families()

    def collect(self) -> Iterable[Metric]:
        partition = self._partition
        instances, jobs, incidents = self._families()
        # Every deployed process gets a sample, at 0 when idle, so its series never goes stale.
        process_ids = sorted(
            {d.bpmn_process_id for d in partition.definitions.latest_versions()}
            | partition.active_per_process.keys()
            | partition.open_incidents_per_process.keys()
        )
        for process_id in process_ids:
            instances.add_metric([process_id], partition.active_per_process.get(process_id, 0))
            incidents.add_metric([process_id], partition.open_incidents_per_process.get(process_id, 0))
        # The queue ActivateJobs takes from: only ACTIVATABLE jobs are in it, never activated ones, jobs
        # waiting out a retry back-off, or jobs whose retries ran out (those are FAILED with an incident).
        for job_type, queue in sorted(partition.activatable.items()):
            jobs.add_metric([job_type], len(queue))
        return [instances, jobs, incidents]

    @staticmethod
    def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily]:
        return (
            GaugeMetricFamily(
                PROCESS_INSTANCES_ACTIVE,
                "Process instances started and not yet completed or canceled.",
                labels=["bpmn_process_id"],
            ),
            GaugeMetricFamily(
                JOBS_ACTIVATABLE,
                "Jobs an ActivateJobs call would hand out now: created or made available again, "
                "not activated, not waiting out a retry back-off, not stopped by an incident.",
                labels=["job_type"],
            ),
            GaugeMetricFamily(
                INCIDENTS_OPEN,
                "Incidents raised and not yet resolved (nor gone with their canceled instance).",
                labels=["bpmn_process_id"],
            ),
        )
