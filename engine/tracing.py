"""Spans for process instances and their element instances, so a trace shows what the engine did.

One ``process <bpmn process id>`` span per process instance, continuing the trace of the instance's
``traceparent`` variable when it has a valid one (the gateway sets it to its request's context), a new
trace otherwise; one span per element instance, child of the span of its flow scope (the process, a
subprocess, an event subprocess or a multi-instance body). Spans last from creation to completion or
termination, timed by the engine's own ``start_date``/``end_date``, so they match the read API.

Status: an element instance on which an incident was raised is an error (each incident is an event
on its span, and so is its closing); the process span is an error when any incident was raised in the
instance, because an incident is a technical failure an operator had to see to. A business outcome is
not an error: an instance that caught a BPMN error and compensated completes normally, and a canceled
instance ends with state ``CANCELED``, not an error.

Spans live in memory from start to end: a span is exported when it ends. The spans of instances that
were in flight when the engine stopped are therefore incomplete: the element spans that ended before
the stop are exported (their parent, the process span, never is), and nothing is emitted for those
instances after the restart, because the process span they would hang from is gone. Loading the state
at start-up tells the observer nothing, so no span is ever emitted twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer

from engine.runtime.lifecycle import NO_OBSERVER, LifecycleObserver
from engine.runtime.state import ElementInstance, Incident, ProcessInstance
from telemetry.propagation import TRACEPARENT, context_from
from telemetry.tracing import tracing_enabled

INSTRUMENTATION_NAME = "engine"

PROCESS_ID = "bpmn.process_id"
PROCESS_VERSION = "zeebe.process_version"
PROCESS_DEFINITION_KEY = "zeebe.process_definition_key"
PROCESS_INSTANCE_KEY = "zeebe.process_instance_key"
PROCESS_INSTANCE_STATE = "zeebe.process_instance.state"
"""``COMPLETED`` or ``CANCELED``."""
PROCESS_INSTANCE_INCIDENTS = "zeebe.process_instance.incidents"
"""How many incidents were raised in the instance."""
ELEMENT_ID = "zeebe.element_id"
ELEMENT_TYPE = "zeebe.element_type"
"""Zeebe's ``BpmnElementType`` name, as Operate shows it: ``SERVICE_TASK``, ``END_EVENT``..."""
ELEMENT_INSTANCE_KEY = "zeebe.element_instance_key"
ELEMENT_INSTANCE_STATE = "zeebe.element_instance.state"
"""``COMPLETED`` or ``TERMINATED``."""
COMPENSATED_ELEMENT_ID = "zeebe.compensated_element_id"
"""Compensation handlers: the activity they undo."""
INCIDENT_KEY = "zeebe.incident_key"
INCIDENT_TYPE = "zeebe.incident.type"
INCIDENT_MESSAGE = "zeebe.incident.message"
INCIDENT_EVENT = "incident"
INCIDENT_CLOSED_EVENT = "incident closed"
# Keys are strings, as the workers' job spans and the gateway's span write them.


@dataclass(slots=True)
class _TracedInstance:
    spans: dict[int, Span] = field(default_factory=dict)
    """Live spans by element instance key; the process span under the instance key (the root's)."""
    incidents: int = 0


class LifecycleSpans:
    """The lifecycle observer that turns transitions into spans of ``tracer``.

    Everything it keeps for an instance is dropped when the instance ends, so memory follows the
    active instances. It only ever runs on the engine's event loop thread.
    """

    def __init__(self, tracer: Tracer) -> None:
        self._tracer = tracer
        self._instances: dict[int, _TracedInstance] = {}

    @property
    def traced_instances(self) -> int:
        """Instances whose spans are held in memory (they started since the engine did, and are active)."""
        return len(self._instances)

    def instance_started(self, instance: ProcessInstance) -> None:
        parent = context_from(instance.variables.get(instance.key, {}).get(TRACEPARENT))
        span = self._tracer.start_span(
            f"process {instance.bpmn_process_id}",
            context=parent if parent is not None else Context(),  # not whatever happens to be current
            kind=SpanKind.INTERNAL,
            attributes={
                PROCESS_ID: instance.bpmn_process_id,
                PROCESS_VERSION: instance.version,
                PROCESS_DEFINITION_KEY: str(instance.definition_key),
                PROCESS_INSTANCE_KEY: str(instance.key),
            },
            start_time=_nanoseconds(instance.start_date),
        )
        self._instances[instance.key] = _TracedInstance({instance.key: span})

    def instance_ended(self, instance: ProcessInstance) -> None:
        traced = self._instances.pop(instance.key, None)
        if traced is None:
            return
        span = traced.spans[instance.key]
        span.set_attribute(PROCESS_INSTANCE_STATE, str(instance.state))
        span.set_attribute(PROCESS_INSTANCE_INCIDENTS, traced.incidents)
        if traced.incidents:
            span.set_status(Status(StatusCode.ERROR, f"{traced.incidents} incident(s) raised"))
        span.end(end_time=_nanoseconds(instance.end_date))

    def element_started(self, instance: ProcessInstance, element: ElementInstance) -> None:
        traced = self._instances.get(instance.key)
        if traced is None:
            return  # the instance started before the engine did: its process span is gone
        scope_key = element.flow_scope_key if element.flow_scope_key is not None else instance.key
        parent = traced.spans.get(scope_key, traced.spans[instance.key])
        traced.spans[element.key] = self._tracer.start_span(
            f"{element.element_type.lower().replace('_', ' ')} {element.element_id}",
            context=trace.set_span_in_context(parent),
            kind=SpanKind.INTERNAL,
            attributes={
                ELEMENT_ID: element.element_id,
                ELEMENT_TYPE: str(element.element_type),
                ELEMENT_INSTANCE_KEY: str(element.key),
                PROCESS_INSTANCE_KEY: str(instance.key),
            },
            start_time=_nanoseconds(element.start_date),
        )

    def element_ended(self, instance: ProcessInstance, element: ElementInstance) -> None:
        traced = self._instances.get(instance.key)
        span = traced.spans.pop(element.key, None) if traced is not None else None
        if span is None:
            return
        span.set_attribute(ELEMENT_INSTANCE_STATE, str(element.state))
        if element.compensated_element_id is not None:  # set after creation: known by the end
            span.set_attribute(COMPENSATED_ELEMENT_ID, element.compensated_element_id)
        span.end(end_time=_nanoseconds(element.end_date))

    def incident_raised(self, instance: ProcessInstance, incident: Incident) -> None:
        traced = self._instances.get(instance.key)
        if traced is None:
            return
        traced.incidents += 1
        span = traced.spans.get(incident.element_instance_key)
        if span is None:
            return
        span.add_event(
            INCIDENT_EVENT,
            {
                INCIDENT_KEY: str(incident.key),
                INCIDENT_TYPE: str(incident.type),
                INCIDENT_MESSAGE: incident.message,
            },
            timestamp=_nanoseconds(incident.created),
        )
        span.set_status(Status(StatusCode.ERROR, f"{incident.type}: {incident.message}"))

    def incident_closed(self, instance: ProcessInstance, incident: Incident) -> None:
        traced = self._instances.get(instance.key)
        span = traced.spans.get(incident.element_instance_key) if traced is not None else None
        if span is not None:
            span.add_event(INCIDENT_CLOSED_EVENT, {INCIDENT_KEY: str(incident.key)})


def lifecycle_observer() -> LifecycleObserver:
    """Spans through the global tracer provider when :func:`telemetry.tracing.configure_tracing`
    installed one; otherwise the runtime's no-op, so an untraced engine does no work per element."""
    if not tracing_enabled():
        return NO_OBSERVER
    return LifecycleSpans(trace.get_tracer(INSTRUMENTATION_NAME))


def _nanoseconds(seconds: float | None) -> int | None:
    """The engine's clock (seconds since the epoch) as OpenTelemetry's; None: now."""
    return None if seconds is None else round(seconds * 1_000_000_000)
