"""Reading a running engine's ``GET /metrics`` the way Prometheus does: parsed text exposition."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

Series = tuple[str, frozenset[tuple[str, str]]]


class Metrics:
    """Each call scrapes anew, so a value is what the engine reports at that moment."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def samples(self) -> dict[Series, float]:
        response = await self.http.get("/metrics")
        response.raise_for_status()
        return {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples
        }

    async def value(self, name: str, **labels: str) -> float | None:
        """The sample's value, or None when the engine exposes no such series."""
        return (await self.samples()).get((name, frozenset(labels.items())))

    async def active(self, process_id: str) -> float | None:
        return await self.value("engine_process_instances_active", bpmn_process_id=process_id)

    async def incidents(self, process_id: str) -> float | None:
        return await self.value("engine_incidents_open", bpmn_process_id=process_id)

    async def activatable(self, job_type: str) -> float | None:
        return await self.value("engine_jobs_activatable", job_type=job_type)

    async def command_counts(self) -> dict[str, float]:
        """How many times each gRPC command was observed so far."""
        return {
            dict(labels)["command"]: value
            for (name, labels), value in (await self.samples()).items()
            if name == "engine_command_duration_seconds_count"
        }
