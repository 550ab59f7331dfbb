"""The W3C trace context as a string, for carriers that are not HTTP headers.

The gateway puts the context of its request into the process instance as the variable
``traceparent``; each job's span continues from it, whether the engine is ours or Zeebe (a variable is
what both carry unchanged). Services store the context of the transaction that wrote an event next to
it in the outbox, and the relay sends it as the record's ``traceparent`` header.
"""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

TRACEPARENT = "traceparent"
"""The process variable (and record header) holding the W3C ``traceparent``."""

_propagator = TraceContextTextMapPropagator()


def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the active span, or None when nothing is being traced."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get(TRACEPARENT)


def context_from(traceparent: object) -> Context | None:
    """The context to continue from ``traceparent`` (None: start a new trace). Anything that is not a
    valid ``traceparent`` string is ignored: a variable is client data, not trusted input."""
    if not isinstance(traceparent, str):
        return None
    context = _propagator.extract({TRACEPARENT: traceparent})
    return context if trace.get_current_span(context).get_span_context().is_valid else None
