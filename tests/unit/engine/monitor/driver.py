"""A real engine service on a one-task process, driven command by command (no gRPC, no requests)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from engine.runtime.engine import Engine
from engine.service import EngineService

T = TypeVar("T")
ONE_TASK = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://example.com/ops">
  <bpmn:process id="ops" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task"/>
    <bpmn:serviceTask id="task">
      <bpmn:extensionElements><zeebe:taskDefinition type="work" retries="1"/></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


class Driver:
    """Commands applied to the service outside any request, each durable (in the database) before the next."""

    def __init__(self, service: EngineService) -> None:
        self.service = service
        self.deployment = self.run(lambda e: e.deploy([("ops.bpmn", ONE_TASK)]))

    def run(self, apply: Callable[[Engine], T]) -> T:
        return asyncio.run(self.service.command(apply))

    def instance(self) -> int:
        (definition,) = self.deployment.processes
        return self.run(lambda e: e.create_instance(definition, {"a": 1})).key

    def job(self, worker: str = "tester") -> int:
        """Activate the one activatable job; its key."""
        (activated,) = self.run(lambda e: e.activate_jobs("work", worker, 60_000, 1, []))
        return activated.job.key

    def incident(self) -> tuple[int, int]:
        """An instance whose job failed with no retries left; (instance key, incident key)."""
        instance = self.instance()
        job = self.job()
        self.run(lambda e: e.fail_job(job, 0, "boom", 0, {}))
        (incident,) = self.service.partition.instances[instance].incidents
        return instance, incident
