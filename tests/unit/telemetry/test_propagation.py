"""The W3C trace context as a string: what the gateway puts into process variables and jobs read."""

from __future__ import annotations

import pytest
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from telemetry.propagation import context_from, current_traceparent

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_there_is_no_traceparent_outside_a_span() -> None:
    assert current_traceparent() is None


def test_the_traceparent_of_the_active_span_is_its_w3c_form() -> None:
    context = SpanContext(
        trace_id=0x4BF92F3577B34DA6A3CE929D0E0E4736,
        span_id=0x00F067AA0BA902B7,
        is_remote=False,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
    )
    with trace.use_span(NonRecordingSpan(context)):
        assert current_traceparent() == TRACEPARENT


def test_a_traceparent_gives_the_context_to_continue() -> None:
    context = context_from(TRACEPARENT)

    assert context is not None
    parent = trace.get_current_span(context).get_span_context()
    assert (parent.trace_id, parent.span_id) == (0x4BF92F3577B34DA6A3CE929D0E0E4736, 0x00F067AA0BA902B7)


@pytest.mark.parametrize(
    "value", [None, 42, "", "not-a-traceparent", "00-" + "0" * 32 + "-00f067aa0ba902b7-01"]
)
def test_anything_but_a_valid_traceparent_starts_a_new_trace(value: object) -> None:
    assert context_from(value) is None
