"""The engine's spans: exported over OTLP by ``python -m engine serve`` in the trace of the instance's
``traceparent`` variable, flushed when it stops, and never emitted again after a restart."""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from engine.server import RunningEngine, start_engine
from engine.settings import EngineSettings
from engine.tracing import LifecycleSpans
from tests.e2e.otlp_receiver import ReceivedSpan, SpanStore, otlp_receiver
from tests.integration.engine import diagrams as d
from tests.integration.engine.engine_process import EngineProcess
from tests.integration.engine.observe import Jobs, eventually

JOB_TYPE = "traced.work"
TRACED = d.single_task("traced", JOB_TYPE)
SPANS_TIMEOUT = 15.0
"""How long the spans may take to reach the receiver (a bound on waiting, not an expectation)."""


def otel_env(endpoint: str, schedule_delay_ms: int) -> dict[str, str]:
    return {
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
        "OTEL_BSP_SCHEDULE_DELAY": str(schedule_delay_ms),
    }


@dataclass(frozen=True)
class TracedInstance:
    trace_id: str
    parent_span_id: str
    """The span the ``traceparent`` variable names: the caller's (the gateway's request span)."""
    key: int


async def run_traced_instance(address: str) -> TracedInstance:
    """Deploy, start an instance with a ``traceparent`` of a new trace, complete its one job."""
    trace_id, parent_span_id = secrets.token_hex(16), secrets.token_hex(8)
    async with grpc.aio.insecure_channel(address) as channel:
        stub = GatewayStub(channel)
        await stub.DeployResource(
            pb.DeployResourceRequest(resources=[pb.Resource(name="traced.bpmn", content=TRACED)])
        )
        created = await stub.CreateProcessInstance(
            pb.CreateProcessInstanceRequest(
                bpmnProcessId="traced",
                version=-1,
                variables=json.dumps({"traceparent": f"00-{trace_id}-{parent_span_id}-01"}),
            )
        )
        jobs = Jobs(stub)
        await jobs.complete((await jobs.one(JOB_TYPE)).key)
    return TracedInstance(trace_id, parent_span_id, created.processInstanceKey)


def element_spans(spans: list[ReceivedSpan], process: ReceivedSpan) -> list[ReceivedSpan]:
    """The process span's children in the order they started (ties: by element instance key)."""
    children = [s for s in spans if s.parent_span_id == process.span_id]
    return sorted(children, key=lambda s: (s.start_ns, int(s.attributes["zeebe.element_instance_key"])))


# ---------------------------------------------------------------------- a real engine, exporting OTLP


@pytest.fixture(scope="module")
def receiver() -> Iterator[tuple[str, SpanStore]]:
    with otlp_receiver() as received:
        yield received


@pytest.fixture(scope="module")
def traced_engine(
    tmp_path_factory: pytest.TempPathFactory, receiver: tuple[str, SpanStore]
) -> Iterator[EngineProcess]:
    process = EngineProcess(tmp_path_factory.mktemp("engine"), env=otel_env(receiver[0], 100))
    process.start()
    yield process
    with contextlib.suppress(AssertionError):
        process.terminate()


@dataclass(frozen=True)
class Exported:
    instance: TracedInstance
    process: ReceivedSpan
    elements: list[ReceivedSpan]


@pytest.fixture(scope="module")
async def exported(traced_engine: EngineProcess, receiver: tuple[str, SpanStore]) -> Exported:
    """One instance run through the engine, and its spans once the process span (which ends last,
    so is exported last) has arrived."""
    store = receiver[1]
    instance = await run_traced_instance(traced_engine.address)

    async def trace() -> list[ReceivedSpan]:
        return store.trace(instance.trace_id)

    spans = await eventually(
        trace, lambda s: any(x.name == "process traced" for x in s), "the process span", SPANS_TIMEOUT
    )
    (process,) = [s for s in spans if s.name == "process traced"]
    return Exported(instance, process, element_spans(spans, process))


async def test_the_process_span_continues_the_trace_of_the_traceparent_variable(exported: Exported) -> None:
    assert exported.process.trace_id == exported.instance.trace_id
    assert exported.process.parent_span_id == exported.instance.parent_span_id


async def test_the_process_span_says_which_instance_of_which_process_and_that_it_completed(
    exported: Exported,
) -> None:
    assert exported.process.service == "engine"
    assert exported.process.attributes["bpmn.process_id"] == "traced"
    assert exported.process.attributes["zeebe.process_instance_key"] == str(exported.instance.key)
    assert exported.process.attributes["zeebe.process_instance.state"] == "COMPLETED"
    assert not exported.process.failed


async def test_element_spans_are_children_of_the_process_span_in_the_order_they_ran(
    exported: Exported,
) -> None:
    assert [s.name for s in exported.elements] == ["start event start", "service task task", "end event end"]


async def test_an_element_span_says_which_element_of_which_instance_and_how_it_ended(
    exported: Exported,
) -> None:
    (task,) = [s for s in exported.elements if s.name == "service task task"]

    assert task.attributes["zeebe.element_id"] == "task"
    assert task.attributes["zeebe.element_type"] == "SERVICE_TASK"
    assert task.attributes["zeebe.process_instance_key"] == str(exported.instance.key)
    assert task.attributes["zeebe.element_instance.state"] == "COMPLETED"


async def test_element_spans_lie_within_the_process_span(exported: Exported) -> None:
    process = exported.process

    assert all(process.start_ns <= s.start_ns <= s.end_ns <= process.end_ns for s in exported.elements)


async def test_spans_still_buffered_are_exported_when_the_engine_stops(
    tmp_path: Path, receiver: tuple[str, SpanStore]
) -> None:
    endpoint, store = receiver
    process = EngineProcess(tmp_path / "engine", env=otel_env(endpoint, 600_000))  # no export on its own
    process.start()
    try:
        instance = await run_traced_instance(process.address)
    finally:
        exit_code = process.terminate()

    assert exit_code == 0
    names = [s.name for s in store.trace(instance.trace_id)]
    assert sorted(names) == ["end event end", "process traced", "service task task", "start event start"]


# ---------------------------------------------------------------------- restarts, in process


@dataclass
class Recorder:
    """Spans of an embedded engine, through a tracer provider of the test's own."""

    exporter: InMemorySpanExporter
    observer: LifecycleSpans

    @classmethod
    def new(cls) -> Recorder:
        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        return cls(exporter, LifecycleSpans(provider.get_tracer("test")))

    def instance_keys(self) -> set[str]:
        return {str((s.attributes or {})["zeebe.process_instance_key"]) for s in self.spans()}

    def spans(self) -> tuple[ReadableSpan, ...]:
        return self.exporter.get_finished_spans()


@contextlib.asynccontextmanager
async def embedded(data_dir: Path, recorder: Recorder) -> AsyncIterator[RunningEngine]:
    settings = EngineSettings(port=0, http_port=-1, data_dir=data_dir)  # no read API: not needed here
    running = await start_engine(settings, recorder.observer)
    try:
        yield running
    finally:
        await running.stop()


async def test_a_restarted_engine_emits_no_span_again_for_instances_that_ended_before(tmp_path: Path) -> None:
    async with embedded(tmp_path / "engine", Recorder.new()) as engine:
        await run_traced_instance(f"127.0.0.1:{engine.port}")
    after_restart = Recorder.new()

    async with embedded(tmp_path / "engine", after_restart) as engine:
        instance = await run_traced_instance(f"127.0.0.1:{engine.port}")

    assert after_restart.instance_keys() == {str(instance.key)}


async def test_an_instance_in_flight_across_a_restart_emits_no_span_after_it(tmp_path: Path) -> None:
    async with (
        embedded(tmp_path / "engine", Recorder.new()) as engine,
        grpc.aio.insecure_channel(f"127.0.0.1:{engine.port}") as channel,
    ):
        stub = GatewayStub(channel)
        await stub.DeployResource(
            pb.DeployResourceRequest(resources=[pb.Resource(name="traced.bpmn", content=TRACED)])
        )
        await stub.CreateProcessInstance(pb.CreateProcessInstanceRequest(bpmnProcessId="traced", version=-1))
    after_restart = Recorder.new()

    async with (
        embedded(tmp_path / "engine", after_restart) as engine,
        grpc.aio.insecure_channel(f"127.0.0.1:{engine.port}") as channel,
    ):
        jobs = Jobs(GatewayStub(channel))
        await jobs.complete((await jobs.one(JOB_TYPE)).key)
        assert not engine.service.partition.instances, "the instance completed"

    assert after_restart.spans() == ()
    assert after_restart.observer.traced_instances == 0
