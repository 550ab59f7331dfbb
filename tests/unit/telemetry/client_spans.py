"""Client spans recorded in memory, for the tests of the clients that make them (the workers' service
calls, the gateway's Operate reads): a tracer of the test's own, so no test installs the
process-global provider (the untraced tests rely on there being none)."""

from __future__ import annotations

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Tracer


class RecordedSpans:
    """``tracer``'s spans, kept once they end."""

    def __init__(self) -> None:
        self._exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(self._exporter))
        self.tracer: Tracer = provider.get_tracer("test")

    def client_call(self) -> ReadableSpan:
        """The one client span ended so far (fails the test when there is not exactly one)."""
        (call,) = [span for span in self._exporter.get_finished_spans() if span.kind is SpanKind.CLIENT]
        return call


def parent_span_id(span: ReadableSpan) -> int | None:
    return None if span.parent is None else span.parent.span_id


def ids_of(span: ReadableSpan) -> list[str]:
    """``span``'s trace id and span id as a ``traceparent`` header carries them."""
    assert span.context is not None
    return [f"{span.context.trace_id:032x}", f"{span.context.span_id:016x}"]


def ids_in(traceparent: str | None) -> list[str] | None:
    """The trace id and parent span id a ``traceparent`` header names (its flags left aside)."""
    return None if traceparent is None else traceparent.split("-")[1:3]
