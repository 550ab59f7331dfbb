"""The executable process model: what the parser produces and the runtime walks.

The model is deliberately flat (one ``Element`` class with optional facets) rather than a class per
BPMN element: the runtime dispatches on ``ElementType`` and ``EventType`` the way Zeebe's
``BpmnElementType`` does, and a flat model keeps that dispatch in one place.

Values that Zeebe accepts either as a static literal or as a FEEL expression (``=...``) are stored as
``Value``: ``Literal`` or ``Expression`` from ``engine.feel``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from engine.feel import Expression


class ElementType(StrEnum):
    """Zeebe's ``BpmnElementType`` names; Operate shows the same names for flow-node instances."""

    PROCESS = "PROCESS"
    SUB_PROCESS = "SUB_PROCESS"
    EVENT_SUB_PROCESS = "EVENT_SUB_PROCESS"
    START_EVENT = "START_EVENT"
    INTERMEDIATE_CATCH_EVENT = "INTERMEDIATE_CATCH_EVENT"
    INTERMEDIATE_THROW_EVENT = "INTERMEDIATE_THROW_EVENT"
    BOUNDARY_EVENT = "BOUNDARY_EVENT"
    END_EVENT = "END_EVENT"
    SERVICE_TASK = "SERVICE_TASK"
    SEND_TASK = "SEND_TASK"
    SCRIPT_TASK = "SCRIPT_TASK"
    BUSINESS_RULE_TASK = "BUSINESS_RULE_TASK"
    RECEIVE_TASK = "RECEIVE_TASK"
    EXCLUSIVE_GATEWAY = "EXCLUSIVE_GATEWAY"
    PARALLEL_GATEWAY = "PARALLEL_GATEWAY"
    EVENT_BASED_GATEWAY = "EVENT_BASED_GATEWAY"
    SEQUENCE_FLOW = "SEQUENCE_FLOW"
    MULTI_INSTANCE_BODY = "MULTI_INSTANCE_BODY"


JOB_WORKER_TYPES = frozenset(
    {ElementType.SERVICE_TASK, ElementType.SEND_TASK, ElementType.SCRIPT_TASK, ElementType.BUSINESS_RULE_TASK}
)
"""Elements executed by a job worker: they carry a ``zeebe:taskDefinition``."""

SCOPE_TYPES = frozenset({ElementType.PROCESS, ElementType.SUB_PROCESS, ElementType.EVENT_SUB_PROCESS})
"""Elements that contain other elements and own a variable scope for them."""


class EventType(StrEnum):
    """The event definition of an event element (Zeebe's ``BpmnEventType``)."""

    NONE = "NONE"
    MESSAGE = "MESSAGE"
    TIMER = "TIMER"
    ERROR = "ERROR"
    COMPENSATION = "COMPENSATION"
    TERMINATE = "TERMINATE"
    SIGNAL = "SIGNAL"


@dataclass(frozen=True, slots=True)
class Literal:
    """A static attribute value, e.g. ``retries="3"``."""

    value: str


Value = Literal | Expression
"""A ``zeebe:`` attribute that may be static or a FEEL expression (written with a leading ``=``)."""


class TimerKind(StrEnum):
    DURATION = "DURATION"
    DATE = "DATE"
    CYCLE = "CYCLE"


@dataclass(frozen=True, slots=True)
class TimerDefinition:
    kind: TimerKind
    value: Value


@dataclass(frozen=True, slots=True)
class Mapping:
    """One ``zeebe:input`` or ``zeebe:output``: ``target`` may be a dotted path (``a.b``)."""

    source: Expression
    target: str


@dataclass(frozen=True, slots=True)
class TaskDefinition:
    type: Value
    retries: Value = Literal("3")


@dataclass(frozen=True, slots=True)
class MessageSubscription:
    """A message catch: the message name and the correlation key, both static or FEEL."""

    name: Value
    correlation_key: Value | None


@dataclass(frozen=True, slots=True)
class MultiInstance:
    """``bpmn:multiInstanceLoopCharacteristics`` with ``zeebe:loopCharacteristics``."""

    sequential: bool
    input_collection: Expression
    input_element: str | None = None
    output_collection: str | None = None
    output_element: Expression | None = None
    completion_condition: Expression | None = None


@dataclass(slots=True)
class SequenceFlow:
    id: str
    source: str
    target: str
    name: str | None = None
    condition: Expression | None = None


@dataclass(slots=True)
class Element:
    """A flow node or a scope (the process itself is an element of type ``PROCESS``).

    Only the facets that apply to an element's type are set; the parser guarantees the combinations
    are valid (e.g. every job-worker task has a ``task``; every boundary event has ``attached_to``).
    """

    id: str
    type: ElementType
    name: str | None = None
    documentation: str | None = None
    scope: str | None = None
    """Id of the enclosing scope element (process, subprocess, event subprocess); None for the process."""

    incoming: list[str] = field(default_factory=list)
    outgoing: list[str] = field(default_factory=list)

    # Events.
    event_type: EventType = EventType.NONE
    interrupting: bool = True
    """Boundary events: ``cancelActivity``; event subprocess start events: ``isInterrupting``."""
    attached_to: str | None = None
    error_code: str | None = None
    """Error catch events: the caught code, None catches all. Error end events: the thrown code."""
    message: MessageSubscription | None = None
    timer: TimerDefinition | None = None
    signal_name: Value | None = None
    compensation_activity_ref: str | None = None
    """Compensation throw events: the one activity to compensate, None for all in the scope."""
    compensation_handler: str | None = None
    """Compensation boundary events: the id of the ``isForCompensation`` activity they are associated with."""

    # Activities.
    boundary_events: list[str] = field(default_factory=list)
    is_for_compensation: bool = False
    task: TaskDefinition | None = None
    task_headers: dict[str, str] = field(default_factory=dict)
    inputs: list[Mapping] = field(default_factory=list)
    outputs: list[Mapping] = field(default_factory=list)
    multi_instance: MultiInstance | None = None

    # Gateways.
    default_flow: str | None = None

    # Scopes (process, subprocess, event subprocess).
    children: list[str] = field(default_factory=list)
    none_start_event: str | None = None
    start_events: list[str] = field(default_factory=list)
    """All start events directly in this scope (event subprocesses have exactly one, typed)."""
    event_sub_processes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Process:
    """One executable ``bpmn:process`` of a deployed resource."""

    id: str
    name: str | None
    elements: dict[str, Element]
    flows: dict[str, SequenceFlow]

    @property
    def root(self) -> Element:
        return self.elements[self.id]

    def element(self, element_id: str) -> Element:
        return self.elements[element_id]

    def flow(self, flow_id: str) -> SequenceFlow:
        return self.flows[flow_id]
