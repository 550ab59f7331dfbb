"""The engine's spans: one per process instance, continuing its ``traceparent``, and one per element
instance under the span of its scope, timed by the engine's clock.

The engine's commands run on a partition with a clock the test moves; the observer writes to a local
tracer provider with an in-memory exporter (the process-global provider is left alone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from engine.runtime.engine import Engine
from engine.runtime.lifecycle import NO_OBSERVER
from engine.runtime.partition import Partition
from engine.runtime.state import ProcessInstance
from engine.tracing import LifecycleSpans, lifecycle_observer
from tests.integration.engine import diagrams as d
from tests.unit.engine.metrics.partition_harness import Clock

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_SPAN_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_SPAN_ID}-01"
JOB_TYPE = "traced.work"

ONE_TASK = d.single_task("one_task", JOB_TYPE)
IN_SUB_PROCESS = d.process(
    "in_sub_process",
    d.start(),
    d.sub_process(
        "sub", d.start("sub_start"), d.service_task("task", JOB_TYPE), d.end("sub_end"),
        d.chain("sub_start", "task", "sub_end"),
    ),
    d.end(),
    d.chain("start", "sub", "end"),
)  # fmt: skip
COMPENSATED = d.process(
    "compensated",
    d.start(),
    d.service_task("step", JOB_TYPE),
    d.compensation_boundary("step_comp", "step", "undo_step"),
    d.service_task("undo_step", "traced.undo", for_compensation=True),
    d.compensation_throw("compensate", end_event=True),
    d.chain("start", "step", "compensate"),
)
CAUGHT_ERROR = d.process(
    "caught_error",
    d.start(),
    d.service_task("task", JOB_TYPE),
    d.error_boundary("failed", "task", "business"),
    d.end(),
    d.end("failed_end"),
    d.chain("start", "task", "end"),
    d.flow("failed", "failed_end"),
    definitions=[d.error_definition("business", "BUSINESS")],
)


@dataclass
class Traced:
    """An engine on a test clock whose lifecycle observer records spans in memory."""

    clock: Clock = field(default_factory=Clock)
    exporter: InMemorySpanExporter = field(default_factory=InMemorySpanExporter)
    partition: Partition = field(init=False)
    engine: Engine = field(init=False)
    observer: LifecycleSpans = field(init=False)

    def __post_init__(self) -> None:
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.observer = LifecycleSpans(provider.get_tracer("test"))
        self.partition = Partition(clock=self.clock)
        self.partition.lifecycle = self.observer
        self.engine = Engine(self.partition)

    def start(self, diagram: bytes, variables: dict[str, Any] | None = None) -> ProcessInstance:
        (definition,) = self.engine.deploy([("diagram.bpmn", diagram)]).processes
        return self.engine.create_instance(definition, variables if variables is not None else {})

    def job(self, job_type: str = JOB_TYPE) -> int:
        (activated,) = self.engine.activate_jobs(job_type, "worker", 60_000, 1, [])
        return activated.job.key

    def complete(self, job_type: str = JOB_TYPE) -> None:
        self.engine.complete_job(self.job(job_type), {})

    def spans(self) -> list[ReadableSpan]:
        """Finished spans in the order they started (on a still clock: the order of their keys)."""
        return sorted(self.exporter.get_finished_spans(), key=lambda s: (s.start_time or 0, key_of(s)))

    def span(self, name: str) -> ReadableSpan:
        (found,) = [s for s in self.exporter.get_finished_spans() if s.name == name]
        return found


@pytest.fixture
def traced() -> Traced:
    return Traced()


def key_of(span: ReadableSpan) -> int:
    """The element instance key of an element span; the process instance key (smaller) of a process span."""
    attributes = span.attributes or {}
    return int(str(attributes.get("zeebe.element_instance_key", attributes["zeebe.process_instance_key"])))


def attribute(span: ReadableSpan, name: str) -> object:
    return (span.attributes or {}).get(name)


def hex_id(value: int, digits: int) -> str:
    return f"{value:0{digits}x}"


def parent_of(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


def test_the_process_span_continues_the_trace_of_the_traceparent_variable(traced: Traced) -> None:
    traced.start(ONE_TASK, {"traceparent": TRACEPARENT})
    traced.complete()

    process = traced.span("process one_task")
    assert hex_id(process.context.trace_id, 32) == TRACE_ID
    assert process.parent is not None
    assert hex_id(process.parent.span_id, 16) == PARENT_SPAN_ID


@pytest.mark.parametrize("traceparent", [None, "not a traceparent", 42, f"00-{'0' * 32}-{PARENT_SPAN_ID}-01"])
def test_an_instance_without_a_valid_traceparent_starts_a_new_trace(
    traced: Traced, traceparent: object
) -> None:
    traced.start(ONE_TASK, {} if traceparent is None else {"traceparent": traceparent})
    traced.complete()

    assert traced.span("process one_task").parent is None


def test_each_element_instance_is_a_child_span_of_the_process_span_in_the_order_it_ran(
    traced: Traced,
) -> None:
    traced.start(ONE_TASK, {"traceparent": TRACEPARENT})
    traced.clock.now += 1
    traced.complete()

    process, *elements = traced.spans()
    assert process.name == "process one_task"
    assert [e.name for e in elements] == ["start event start", "service task task", "end event end"]
    assert {parent_of(e) for e in elements} == {process.context.span_id}
    assert {e.context.trace_id for e in elements} == {process.context.trace_id}


def test_an_element_span_carries_its_element_its_keys_and_how_it_ended(traced: Traced) -> None:
    instance = traced.start(ONE_TASK)
    (task_key,) = [e.key for e in instance.elements.values() if e.element_id == "task"]
    traced.complete()

    assert traced.span("service task task").attributes == {
        "zeebe.element_id": "task",
        "zeebe.element_type": "SERVICE_TASK",
        "zeebe.element_instance_key": str(task_key),
        "zeebe.process_instance_key": str(instance.key),
        "zeebe.element_instance.state": "COMPLETED",
    }


def test_the_process_span_carries_the_process_the_instance_and_how_it_ended(traced: Traced) -> None:
    instance = traced.start(ONE_TASK)
    traced.complete()

    process = traced.span("process one_task")
    assert process.attributes == {
        "bpmn.process_id": "one_task",
        "zeebe.process_version": 1,
        "zeebe.process_definition_key": str(instance.definition_key),
        "zeebe.process_instance_key": str(instance.key),
        "zeebe.process_instance.state": "COMPLETED",
        "zeebe.process_instance.incidents": 0,
    }
    assert process.status.status_code is StatusCode.UNSET


def test_spans_last_from_creation_to_end_by_the_engine_clock(traced: Traced) -> None:
    started = traced.clock.now
    traced.start(ONE_TASK)
    traced.clock.now += 2.5
    traced.complete()

    task, process = traced.span("service task task"), traced.span("process one_task")
    assert (task.start_time, task.end_time) == (started * 1e9, (started + 2.5) * 1e9)
    assert (process.start_time, process.end_time) == (started * 1e9, (started + 2.5) * 1e9)


def test_the_elements_of_a_sub_process_are_children_of_its_span(traced: Traced) -> None:
    traced.start(IN_SUB_PROCESS)
    traced.complete()

    sub = traced.span("sub process sub")
    inner = [s for s in traced.spans() if parent_of(s) == sub.context.span_id]
    assert [s.name for s in inner] == ["start event sub_start", "service task task", "end event sub_end"]
    assert parent_of(sub) == traced.span("process in_sub_process").context.span_id


def test_a_canceled_instance_ends_its_active_elements_as_terminated(traced: Traced) -> None:
    instance = traced.start(ONE_TASK)

    traced.engine.cancel_instance(instance.key)

    assert attribute(traced.span("service task task"), "zeebe.element_instance.state") == "TERMINATED"
    assert attribute(traced.span("process one_task"), "zeebe.process_instance.state") == "CANCELED"


def test_a_canceled_instance_is_not_an_error(traced: Traced) -> None:
    instance = traced.start(ONE_TASK)

    traced.engine.cancel_instance(instance.key)

    assert {s.status.status_code for s in traced.spans()} == {StatusCode.UNSET}


def test_an_incident_is_an_event_and_an_error_on_the_span_of_its_element(traced: Traced) -> None:
    instance = traced.start(ONE_TASK)
    traced.engine.fail_job(traced.job(), 0, "the service is down", 0, {})
    (incident,) = instance.incidents.values()

    traced.engine.cancel_instance(instance.key)

    task = traced.span("service task task")
    assert task.status.status_code is StatusCode.ERROR
    first_event = task.events[0]
    assert (first_event.name, dict(first_event.attributes or {})) == (
        "incident",
        {
            "zeebe.incident_key": str(incident.key),
            "zeebe.incident.type": "JOB_NO_RETRIES",
            "zeebe.incident.message": "the service is down",
        },
    )


def test_resolving_an_incident_is_an_event_on_the_span_of_its_element(traced: Traced) -> None:
    instance = traced.start(ONE_TASK)
    job = traced.job()
    traced.engine.fail_job(job, 0, "the service is down", 0, {})
    (incident,) = instance.incidents.values()
    traced.engine.update_job_retries(job, 1)
    traced.engine.resolve_incident(incident.key)

    traced.complete()

    events = [e.name for e in traced.span("service task task").events]
    assert events == ["incident", "incident closed"]


def test_the_process_span_of_an_instance_that_had_an_incident_is_an_error(traced: Traced) -> None:
    instance = traced.start(ONE_TASK)
    job = traced.job()
    traced.engine.fail_job(job, 0, "the service is down", 0, {})
    (incident,) = instance.incidents.values()
    traced.engine.update_job_retries(job, 1)
    traced.engine.resolve_incident(incident.key)

    traced.complete()

    process = traced.span("process one_task")
    assert process.status.status_code is StatusCode.ERROR
    assert attribute(process, "zeebe.process_instance.incidents") == 1


def test_a_business_error_caught_by_the_process_is_not_an_error(traced: Traced) -> None:
    traced.start(CAUGHT_ERROR)

    traced.engine.throw_error(traced.job(), "BUSINESS", "sold out", {})

    assert "boundary event failed" in [s.name for s in traced.spans()]
    assert {s.status.status_code for s in traced.spans()} == {StatusCode.UNSET}


def test_a_compensation_handler_span_names_the_activity_it_compensates(traced: Traced) -> None:
    traced.start(COMPENSATED)
    traced.complete()

    traced.complete("traced.undo")

    handler = traced.span("service task undo_step")
    assert attribute(handler, "zeebe.compensated_element_id") == "step"


@pytest.mark.parametrize("end", ["complete", "cancel"])
def test_nothing_is_kept_in_memory_once_an_instance_has_ended(traced: Traced, end: str) -> None:
    instance = traced.start(ONE_TASK)
    assert traced.observer.traced_instances == 1

    if end == "complete":
        traced.complete()
    else:
        traced.engine.cancel_instance(instance.key)

    assert traced.observer.traced_instances == 0


def test_an_instance_that_started_before_the_observer_emits_no_span(traced: Traced) -> None:
    traced.partition.lifecycle = NO_OBSERVER  # as if it had started before the engine's restart
    traced.start(ONE_TASK, {"traceparent": TRACEPARENT})
    traced.partition.lifecycle = traced.observer

    traced.complete()

    assert traced.spans() == []
    assert traced.observer.traced_instances == 0


def test_without_tracing_configured_the_engine_gets_the_no_op_observer() -> None:
    assert lifecycle_observer() is NO_OBSERVER
