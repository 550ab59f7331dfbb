"""A publisher that traces what it publishes: a producer span per record, child of the span that wrote
the event (the record's ``traceparent``), whose own context replaces the header so that the consumer's
span is the publish span's child. Wrapped around the relay's publisher only when tracing is on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from events.transport.ports import OutgoingRecord, TransactionalPublisher
from telemetry.propagation import TRACEPARENT, context_from, current_traceparent

_tracer = trace.get_tracer(__name__)


class TracingPublisher:
    def __init__(self, publisher: TransactionalPublisher) -> None:
        self._publisher = publisher

    def publish(self, records: Sequence[OutgoingRecord]) -> None:
        spans = [self._span(record) for record in records]
        traced = [_continued(record, span) for record, span in zip(records, spans, strict=True)]
        try:
            self._publisher.publish(traced)
        except Exception as error:
            for span in spans:
                span.set_status(Status(StatusCode.ERROR, type(error).__name__))
            raise
        finally:
            for span in spans:
                span.end()

    def close(self) -> None:
        self._publisher.close()

    @staticmethod
    def _span(record: OutgoingRecord) -> Span:
        return _tracer.start_span(
            f"{record.topic} publish",
            context=context_from(record.headers.get(TRACEPARENT)),
            kind=SpanKind.PRODUCER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "send",
                "messaging.destination.name": record.topic,
                "messaging.message.id": record.headers.get("event-id", ""),
            },
        )


def _continued(record: OutgoingRecord, span: Span) -> OutgoingRecord:
    """``record`` carrying ``span``'s context (unchanged if the span records nothing)."""
    with trace.use_span(span, end_on_exit=False):
        traceparent = current_traceparent()
    if traceparent is None:
        return record
    return replace(record, headers={**record.headers, TRACEPARENT: traceparent})
