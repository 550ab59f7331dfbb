"""A partition driven through the engine's commands, on a clock the test moves, with its metrics registry.

No store, no servers: what the gauges read is the partition the commands change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.metrics.registry import EngineMetrics
from engine.runtime.engine import Engine
from engine.runtime.partition import Partition
from engine.runtime.state import ProcessInstance
from tests.unit.engine.bpmn.bpmn_xml import END, process

JOB_TYPE = "review.check"


def one_task_process(process_id: str, job_type: str = JOB_TYPE, retries: int = 3) -> bytes:
    task = (
        '<bpmn:serviceTask id="task"><bpmn:extensionElements>'
        f'<zeebe:taskDefinition type="{job_type}" retries="{retries}"/>'
        "</bpmn:extensionElements></bpmn:serviceTask>"
    )
    return process(
        task,
        END,
        '<bpmn:sequenceFlow id="to_task" sourceRef="start" targetRef="task"/>',
        '<bpmn:sequenceFlow id="to_end" sourceRef="task" targetRef="end"/>',
        process_id=process_id,
    )


@dataclass
class Clock:
    now: float = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Harness:
    clock: Clock = field(default_factory=Clock)
    partition: Partition = field(init=False)
    engine: Engine = field(init=False)
    metrics: EngineMetrics = field(init=False)

    def __post_init__(self) -> None:
        self.partition = Partition(clock=self.clock)
        self.engine = Engine(self.partition)
        self.metrics = EngineMetrics.of(self.partition)

    def deploy(self, process_id: str, job_type: str = JOB_TYPE, retries: int = 3) -> None:
        self.engine.deploy([(f"{process_id}.bpmn", one_task_process(process_id, job_type, retries))])

    def start(self, process_id: str) -> ProcessInstance:
        return self.engine.create_instance(self.engine.find_definition(process_id, -1, 0), {})

    def activate(self, job_type: str = JOB_TYPE, max_jobs: int = 10, timeout_ms: int = 60_000) -> list[int]:
        return [a.job.key for a in self.engine.activate_jobs(job_type, "worker", timeout_ms, max_jobs, [])]

    def pass_time(self, seconds: float) -> None:
        self.clock.now += seconds
        self.engine.tick()

    def gauge(self, name: str, **labels: str) -> float | None:
        return self.metrics.registry.get_sample_value(name, labels)

    def active(self, process_id: str) -> float | None:
        return self.gauge("engine_process_instances_active", bpmn_process_id=process_id)

    def incidents(self, process_id: str) -> float | None:
        return self.gauge("engine_incidents_open", bpmn_process_id=process_id)

    def activatable(self, job_type: str = JOB_TYPE) -> float | None:
        return self.gauge("engine_jobs_activatable", job_type=job_type)
