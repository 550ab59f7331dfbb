"""Process-wide validation rules, run once all elements of a process are built.

They also finish the model: sequence flows are connected (``incoming``/``outgoing``), boundary events
are attached (``boundary_events``), scopes get their start events and event subprocesses, and
compensation boundary events get their handler.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from engine.bpmn.builder import ACTIVITY_TYPES, ProcessBuilder
from engine.bpmn.document import bpmn
from engine.bpmn.model import Element, ElementType, EventType, Literal, Value

__all__ = ["check_process"]

_MULTIPLE_ERROR_CATCH_ALL = (
    "The same scope can not contain more than one error catch event without error code. "
    "An error catch event without error code catches all errors."
)
_CONDITION = bpmn("conditionExpression")
_COMPENSATION_HANDLER_TYPES = frozenset(
    {ElementType.SERVICE_TASK, ElementType.SEND_TASK, ElementType.SCRIPT_TASK, ElementType.SUB_PROCESS}
)


def check_process(builder: ProcessBuilder) -> None:
    _connect_flows(builder)
    _attach_boundary_events(builder)
    _scopes(builder)
    _gateways(builder)
    _compensation(builder)
    _duplicate_catch_events(builder)


def _connect_flows(builder: ProcessBuilder) -> None:
    document, elements = builder.document, builder.elements
    for flow_id, flow in builder.flows.items():
        flow_xml = builder.flow_xml[flow_id]
        ok = True
        if not flow.source:
            document.error(flow_xml, "SequenceFlow is missing required attribute sourceRef")
            ok = False
        elif flow.source not in elements or flow.source == builder.root.id:
            document.error(flow_xml, f"SequenceFlow has sourceRef '{flow.source}' which cannot be resolved")
            ok = False
        if not flow.target:
            document.error(flow_xml, "SequenceFlow is missing required attribute targetRef")
            ok = False
        elif flow.target not in elements or flow.target == builder.root.id:
            document.error(flow_xml, f"SequenceFlow has targetRef '{flow.target}'  which cannot be resolved")
            ok = False
        if not ok:
            continue
        source, target = elements[flow.source], elements[flow.target]
        scope = builder.flow_scope[flow_id]
        if not source.scope == target.scope == scope:
            document.error(
                flow_xml,
                f"Sequence flows must connect elements of the same scope: the flow is in '{scope}', its "
                f"source '{source.id}' in '{source.scope}' and its target '{target.id}' in '{target.scope}'",
            )
            continue
        source.outgoing.append(flow_id)
        target.incoming.append(flow_id)

    for element in elements.values():
        xml = builder.xml[element.id]
        if element.type is ElementType.BOUNDARY_EVENT and element.incoming:
            document.error(xml, "Cannot have incoming sequence flows")
        elif element.type is ElementType.START_EVENT and element.incoming:
            document.error(xml, "Start events must not have incoming sequence flows")
        elif element.type is ElementType.END_EVENT and element.outgoing:
            document.error(xml, "End events must not have outgoing sequence flows to other elements.")
        elif element.type is ElementType.EVENT_SUB_PROCESS and (element.incoming or element.outgoing):
            document.error(xml, "Event subprocesses must not have incoming or outgoing sequence flows")
        if element.is_for_compensation:
            if element.incoming:
                document.error(xml, "A compensation handler should have no incoming sequence flows")
            if element.outgoing:
                document.error(xml, "A compensation handler should have no outgoing sequence flows")
        if element.type is not ElementType.EXCLUSIVE_GATEWAY and any(
            builder.flows[flow_id].condition is not None
            or builder.flow_xml[flow_id].find(_CONDITION) is not None
            for flow_id in element.outgoing
        ):
            document.error(xml, "Conditional sequence flows are only supported at exclusive gateways")


def _attach_boundary_events(builder: ProcessBuilder) -> None:
    document, elements = builder.document, builder.elements
    for element in list(elements.values()):
        if element.type is not ElementType.BOUNDARY_EVENT:
            continue
        xml = builder.xml[element.id]
        ref = element.attached_to
        if ref is None:
            document.error(xml, "Must be attached to an activity")
            continue
        activity = elements.get(ref)
        if activity is None or activity.id == builder.root.id:
            document.error(
                xml, f"Must be attached to an activity, but the attachedToRef '{ref}' cannot be resolved"
            )
        elif activity.type not in ACTIVITY_TYPES:
            document.error(
                xml, f"Must be attached to an activity, but '{ref}' is of type {activity.type.value}"
            )
        elif activity.scope != element.scope:
            document.error(xml, f"Must be in the same scope as the activity '{ref}' it is attached to")
        else:
            activity.boundary_events.append(element.id)


def _scopes(builder: ProcessBuilder) -> None:
    document, elements = builder.document, builder.elements
    for scope in elements.values():
        if scope.type not in (ElementType.PROCESS, ElementType.SUB_PROCESS, ElementType.EVENT_SUB_PROCESS):
            continue
        xml = builder.xml[scope.id]
        children = [elements[child] for child in scope.children]
        starts = [child for child in children if child.type is ElementType.START_EVENT]
        scope.start_events = [start.id for start in starts]
        scope.event_sub_processes = [
            child.id for child in children if child.type is ElementType.EVENT_SUB_PROCESS
        ]
        none_starts = [start.id for start in starts if start.event_type is EventType.NONE]
        if scope.type is ElementType.PROCESS:
            if not starts:
                document.error(xml, "Must have at least one start event")
            elif len(none_starts) > 1:
                document.error(xml, "Multiple none start events are not allowed")
        elif len(starts) != 1:
            document.error(xml, "Must have exactly one start event")
        if scope.type is not ElementType.EVENT_SUB_PROCESS and len(none_starts) == 1:
            scope.none_start_event = none_starts[0]


def _gateways(builder: ProcessBuilder) -> None:
    document, elements, flows = builder.document, builder.elements, builder.flows
    for gateway in elements.values():
        xml = builder.xml[gateway.id]
        if gateway.type is ElementType.EXCLUSIVE_GATEWAY:
            default = gateway.default_flow
            if default is not None:
                if default not in gateway.outgoing:
                    document.error(xml, "Default flow must start at gateway")
                elif (
                    flows[default].condition is not None
                    or builder.flow_xml[default].find(_CONDITION) is not None
                ):
                    document.error(xml, f"The default flow '{default}' must not have a condition")
            if len(gateway.outgoing) > 1:
                for flow_id in gateway.outgoing:
                    flow_xml = builder.flow_xml[flow_id]
                    if flow_id != default and flow_xml.find(_CONDITION) is None:
                        document.error(flow_xml, "Must have a condition or be default flow")
        elif gateway.type is ElementType.EVENT_BASED_GATEWAY:
            if len(gateway.outgoing) < 2:
                document.error(xml, "Event-based gateway must have at least 2 outgoing sequence flows.")
            targets = [elements[flows[flow_id].target] for flow_id in gateway.outgoing]
            if not all(
                target.type is ElementType.INTERMEDIATE_CATCH_EVENT
                and target.event_type in (EventType.MESSAGE, EventType.TIMER)
                for target in targets
            ):
                document.error(
                    xml,
                    "Event-based gateway must not have an outgoing sequence flow to other elements than "
                    "message/timer intermediate catch events.",
                )
            if any(flows[flow_id].source != gateway.id for target in targets for flow_id in target.incoming):
                document.error(
                    xml,
                    "Target elements of an event gateway must not "
                    "have any additional incoming sequence flows "
                    "other than that from the event gateway.",
                )
            _no_duplicate_messages(builder, gateway, targets)


def _compensation(builder: ProcessBuilder) -> None:
    document, elements = builder.document, builder.elements
    associated: set[str] = set()
    for association in builder.associations:
        source = elements.get((association.get("sourceRef") or "").strip())
        if source is None or source.type is not ElementType.BOUNDARY_EVENT:
            continue
        if source.event_type is not EventType.COMPENSATION:
            continue
        associated.add(source.id)
        xml = builder.xml[source.id]
        target_ref = (association.get("targetRef") or "").strip()
        handler = elements.get(target_ref)
        if handler is None:
            document.error(xml, f"The compensation handler '{target_ref}' doesn't exist")
        elif not handler.is_for_compensation:
            document.error(
                xml,
                f"The compensation handler '{target_ref}' must "
                'be an activity with isForCompensation="true"',
            )
        elif handler.scope != source.scope:
            document.error(
                xml,
                f"The compensation handler '{target_ref}' must be in the same scope as the compensation "
                "boundary event",
            )
        elif source.compensation_handler not in (None, handler.id):
            document.error(xml, "A compensation boundary event must be associated with exactly one handler")
        else:
            source.compensation_handler = handler.id

    for element in elements.values():
        xml = builder.xml[element.id]
        if (
            element.type is ElementType.BOUNDARY_EVENT
            and element.event_type is EventType.COMPENSATION
            and (element.id not in associated or element.outgoing)
        ):
            document.error(
                xml,
                "Compensation boundary events must have a compensation association and no outgoing "
                "sequence flows",
            )
        if element.is_for_compensation:
            if element.type not in _COMPENSATION_HANDLER_TYPES:
                document.error(
                    xml,
                    "Compensation task must be one of: service task, send task, script task, or subprocess.",
                )
            if element.boundary_events:
                document.error(xml, "A compensation handler should have no boundary events")
        if element.event_type is EventType.COMPENSATION and element.compensation_activity_ref is not None:
            _compensation_activity_ref(builder, element)


def _compensation_activity_ref(builder: ProcessBuilder, throw: Element) -> None:
    document, elements = builder.document, builder.elements
    xml = builder.xml[throw.id]
    ref = throw.compensation_activity_ref
    activity = elements.get(ref) if ref is not None else None
    if activity is None or activity.type not in ACTIVITY_TYPES:
        document.error(xml, f"The referenced compensation activity '{ref}' doesn't exist")
        return
    # A throw event in an event subprocess compensates the scope that contains the event subprocess.
    scopes = {throw.scope}
    scope = elements.get(throw.scope) if throw.scope is not None else None
    if scope is not None and scope.type is ElementType.EVENT_SUB_PROCESS:
        scopes.add(scope.scope)
    has_compensation_boundary = any(
        elements[boundary].event_type is EventType.COMPENSATION for boundary in activity.boundary_events
    )
    if not has_compensation_boundary and activity.type is not ElementType.SUB_PROCESS:
        document.error(
            xml,
            f"The referenced compensation activity '{activity.id}' must have either a compensation boundary "
            "event or be a subprocess",
        )
    if activity.scope not in scopes:
        document.error(
            xml,
            f"The referenced compensation activity '{activity.id}' must be in the same scope as the "
            "compensation throw event",
        )


def _duplicate_catch_events(builder: ProcessBuilder) -> None:
    elements = builder.elements
    for element in elements.values():
        if element.boundary_events:
            boundaries = [elements[boundary] for boundary in element.boundary_events]
            _no_duplicate_messages(builder, element, boundaries)
            _no_duplicate_errors(builder, element, boundaries)
            if element.type is ElementType.RECEIVE_TASK and element.message is not None:
                own = _message_key(element.message.name)
                if any(b.message is not None and _message_key(b.message.name) == own for b in boundaries):
                    builder.document.error(
                        builder.xml[element.id], "Cannot reference the same message name as a boundary event"
                    )
        if element.event_sub_processes:
            starts = [
                elements[start]
                for sub_process in element.event_sub_processes
                for start in elements[sub_process].start_events
            ]
            _no_duplicate_messages(builder, element, starts)
            _no_duplicate_errors(builder, element, starts)
        if element.type is ElementType.PROCESS:
            _no_duplicate_messages(builder, element, [elements[start] for start in element.start_events])


def _message_key(name: Value) -> str:
    return name.value if isinstance(name, Literal) else "=" + name.source


def _no_duplicate_messages(builder: ProcessBuilder, anchor: Element, catch_events: Iterable[Element]) -> None:
    names = Counter(_message_key(event.message.name) for event in catch_events if event.message is not None)
    for name, count in names.items():
        if count > 1:
            builder.document.error(
                builder.xml[anchor.id],
                f"Multiple message event definitions with the same name '{name}' are not allowed.",
            )


def _no_duplicate_errors(builder: ProcessBuilder, anchor: Element, catch_events: Iterable[Element]) -> None:
    codes = Counter(event.error_code for event in catch_events if event.event_type is EventType.ERROR)
    xml = builder.xml[anchor.id]
    for code, count in codes.items():
        if count <= 1:
            continue
        if code is None:
            builder.document.error(xml, _MULTIPLE_ERROR_CATCH_ALL)
        else:
            builder.document.error(
                xml,
                "Multiple error catch events with the same error "
                f"code '{code}' are not supported on the same scope.",
            )
