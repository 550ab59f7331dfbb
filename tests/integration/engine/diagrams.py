"""Compact builders for the BPMN XML that engine tests deploy.

Diagrams here carry no diagram interchange: the engine, like Zeebe, executes without it. Each
function returns an XML fragment; ``process`` wraps fragments into a deployable document.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from itertools import pairwise
from xml.sax.saxutils import quoteattr

NAMESPACES = (
    'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" '
    'targetNamespace="http://example.com/tests"'
)
_ids = itertools.count(1)


def process(process_id: str, *fragments: str, definitions: Iterable[str] = ()) -> bytes:
    """A deployable document with one executable process; ``definitions`` are root-level elements."""
    body = "\n".join(fragments)
    roots = "\n".join(definitions)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions {NAMESPACES} id="defs_{process_id}">\n'
        f"{roots}\n"
        f'<bpmn:process id="{process_id}" isExecutable="true">\n{body}\n</bpmn:process>\n'
        "</bpmn:definitions>\n"
    ).encode()


def _extensions(*parts: str) -> str:
    content = "".join(p for p in parts if p)
    return f"<bpmn:extensionElements>{content}</bpmn:extensionElements>" if content else ""


def io_mapping(inputs: Sequence[tuple[str, str]] = (), outputs: Sequence[tuple[str, str]] = ()) -> str:
    if not inputs and not outputs:
        return ""
    lines = [f"<zeebe:input source={quoteattr(s)} target={quoteattr(t)}/>" for s, t in inputs]
    lines += [f"<zeebe:output source={quoteattr(s)} target={quoteattr(t)}/>" for s, t in outputs]
    return f"<zeebe:ioMapping>{''.join(lines)}</zeebe:ioMapping>"


def start(element_id: str = "start", *, event: str = "") -> str:
    return f'<bpmn:startEvent id="{element_id}" name="{element_id}">{event}</bpmn:startEvent>'


def end(element_id: str = "end", *, event: str = "") -> str:
    return f'<bpmn:endEvent id="{element_id}" name="{element_id}">{event}</bpmn:endEvent>'


def service_task(
    element_id: str,
    job_type: str,
    *,
    retries: str | None = None,
    headers: dict[str, str] | None = None,
    inputs: Sequence[tuple[str, str]] = (),
    outputs: Sequence[tuple[str, str]] = (),
    for_compensation: bool = False,
    loop: str = "",
) -> str:
    retries_attr = f" retries={quoteattr(retries)}" if retries is not None else ""
    header_xml = ""
    if headers:
        items = "".join(
            f"<zeebe:header key={quoteattr(k)} value={quoteattr(v)}/>" for k, v in headers.items()
        )
        header_xml = f"<zeebe:taskHeaders>{items}</zeebe:taskHeaders>"
    compensation = ' isForCompensation="true"' if for_compensation else ""
    extensions = _extensions(
        f"<zeebe:taskDefinition type={quoteattr(job_type)}{retries_attr}/>",
        header_xml,
        io_mapping(inputs, outputs),
    )
    return f'<bpmn:serviceTask id="{element_id}" name="{element_id}"{compensation}>{extensions}{loop}</bpmn:serviceTask>'


def multi_instance(
    collection: str,
    element: str,
    *,
    sequential: bool = False,
    output_collection: str = "",
    output_element: str = "",
    completion_condition: str = "",
) -> str:
    attrs = f"inputCollection={quoteattr(collection)} inputElement={quoteattr(element)}"
    if output_collection:
        attrs += f" outputCollection={quoteattr(output_collection)} outputElement={quoteattr(output_element)}"
    condition = (
        f"<bpmn:completionCondition>{_escape(completion_condition)}</bpmn:completionCondition>"
        if completion_condition
        else ""
    )
    return (
        f'<bpmn:multiInstanceLoopCharacteristics isSequential="{str(sequential).lower()}">'
        f"{_extensions(f'<zeebe:loopCharacteristics {attrs}/>')}{condition}"
        "</bpmn:multiInstanceLoopCharacteristics>"
    )


def flow(source: str, target: str, *, condition: str | None = None, flow_id: str | None = None) -> str:
    identifier = flow_id or f"{source}_to_{target}"
    if condition is None:
        return f'<bpmn:sequenceFlow id="{identifier}" sourceRef="{source}" targetRef="{target}"/>'
    return (
        f'<bpmn:sequenceFlow id="{identifier}" sourceRef="{source}" targetRef="{target}">'
        f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{_escape(condition)}</bpmn:conditionExpression>'
        "</bpmn:sequenceFlow>"
    )


def chain(*element_ids: str) -> str:
    """Sequence flows linking the elements in order."""
    return "\n".join(flow(a, b) for a, b in pairwise(element_ids))


def error_definition(error_id: str, code: str) -> str:
    return f'<bpmn:error id="{error_id}" name="{error_id}" errorCode="{code}"/>'


def message_definition(message_id: str, name: str, correlation_key: str) -> str:
    return (
        f'<bpmn:message id="{message_id}" name="{name}">'
        f"{_extensions(f'<zeebe:subscription correlationKey={quoteattr(correlation_key)}/>')}</bpmn:message>"
    )


def error_boundary(element_id: str, attached_to: str, error_ref: str | None = None) -> str:
    ref = f' errorRef="{error_ref}"' if error_ref else ""
    return (
        f'<bpmn:boundaryEvent id="{element_id}" name="{element_id}" attachedToRef="{attached_to}">'
        f'<bpmn:errorEventDefinition id="{element_id}_def"{ref}/></bpmn:boundaryEvent>'
    )


def timer_boundary(
    element_id: str, attached_to: str, duration: str, *, interrupting: bool = True, kind: str = "timeDuration"
) -> str:
    """A timer boundary event; ``kind`` is ``timeDuration``, ``timeCycle`` or ``timeDate``."""
    cancel = "" if interrupting else ' cancelActivity="false"'
    return (
        f'<bpmn:boundaryEvent id="{element_id}" name="{element_id}" attachedToRef="{attached_to}"{cancel}>'
        f"{timer_event(element_id + '_def', duration, kind=kind)}</bpmn:boundaryEvent>"
    )


def message_boundary(
    element_id: str, attached_to: str, message_ref: str, *, interrupting: bool = True
) -> str:
    cancel = "" if interrupting else ' cancelActivity="false"'
    return (
        f'<bpmn:boundaryEvent id="{element_id}" name="{element_id}" attachedToRef="{attached_to}"{cancel}>'
        f'<bpmn:messageEventDefinition id="{element_id}_def" messageRef="{message_ref}"/></bpmn:boundaryEvent>'
    )


def compensation_boundary(element_id: str, attached_to: str, handler: str) -> str:
    return (
        f'<bpmn:boundaryEvent id="{element_id}" name="{element_id}" attachedToRef="{attached_to}">'
        f'<bpmn:compensateEventDefinition id="{element_id}_def"/></bpmn:boundaryEvent>'
        f'<bpmn:association id="{element_id}_assoc" associationDirection="One" '
        f'sourceRef="{element_id}" targetRef="{handler}"/>'
    )


def compensation_throw(element_id: str, *, activity: str | None = None, end_event: bool = False) -> str:
    ref = f' activityRef="{activity}"' if activity else ""
    tag = "endEvent" if end_event else "intermediateThrowEvent"
    return (
        f'<bpmn:{tag} id="{element_id}" name="{element_id}">'
        f'<bpmn:compensateEventDefinition id="{element_id}_def"{ref}/></bpmn:{tag}>'
    )


def message_catch(element_id: str, message_ref: str) -> str:
    return (
        f'<bpmn:intermediateCatchEvent id="{element_id}" name="{element_id}">'
        f'<bpmn:messageEventDefinition id="{element_id}_def" messageRef="{message_ref}"/>'
        "</bpmn:intermediateCatchEvent>"
    )


def timer_catch(element_id: str, duration: str) -> str:
    return (
        f'<bpmn:intermediateCatchEvent id="{element_id}" name="{element_id}">'
        f'<bpmn:timerEventDefinition id="{element_id}_def"><bpmn:timeDuration>{_escape(duration)}'
        "</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
    )


def gateway(kind: str, element_id: str, *, default: str | None = None) -> str:
    default_attr = f' default="{default}"' if default else ""
    return f'<bpmn:{kind} id="{element_id}" name="{element_id}"{default_attr}/>'


def sub_process(
    element_id: str,
    *fragments: str,
    event: bool = False,
    inputs: Sequence[tuple[str, str]] = (),
    outputs: Sequence[tuple[str, str]] = (),
    for_compensation: bool = False,
) -> str:
    triggered = ' triggeredByEvent="true"' if event else ""
    compensation = ' isForCompensation="true"' if for_compensation else ""
    body = "\n".join(fragments)
    extensions = _extensions(io_mapping(inputs, outputs))
    return (
        f'<bpmn:subProcess id="{element_id}" name="{element_id}"{triggered}{compensation}>{extensions}\n{body}\n'
        "</bpmn:subProcess>"
    )


# ---------------------------------------------------------------------- event definitions
# Pass these as ``event=`` to ``start``/``end`` (or use the dedicated builders below).


def message_event(message_ref: str, definition_id: str | None = None) -> str:
    identifier = definition_id or f"{message_ref}_event_{next(_ids)}"
    return f'<bpmn:messageEventDefinition id="{identifier}" messageRef="{message_ref}"/>'


def timer_event(definition_id: str, value: str, *, kind: str = "timeDuration") -> str:
    return (
        f'<bpmn:timerEventDefinition id="{definition_id}"><bpmn:{kind}>{_escape(value)}</bpmn:{kind}>'
        "</bpmn:timerEventDefinition>"
    )


def error_event(error_ref: str | None = None, definition_id: str | None = None) -> str:
    identifier = definition_id or f"error_event_{next(_ids)}"
    ref = f' errorRef="{error_ref}"' if error_ref else ""
    return f'<bpmn:errorEventDefinition id="{identifier}"{ref}/>'


def terminate_event() -> str:
    return f'<bpmn:terminateEventDefinition id="terminate_{next(_ids)}"/>'


def event_start(element_id: str, event: str, *, interrupting: bool = True) -> str:
    """A start event of an event subprocess (``isInterrupting`` set explicitly)."""
    return (
        f'<bpmn:startEvent id="{element_id}" name="{element_id}" isInterrupting="{str(interrupting).lower()}">'
        f"{event}</bpmn:startEvent>"
    )


def error_end(element_id: str, error_ref: str) -> str:
    return end(element_id, event=error_event(error_ref, f"{element_id}_def"))


def terminate_end(element_id: str) -> str:
    return end(element_id, event=terminate_event())


def receive_task(element_id: str, message_ref: str) -> str:
    return f'<bpmn:receiveTask id="{element_id}" name="{element_id}" messageRef="{message_ref}"/>'


def timer_catch_cycle(element_id: str, value: str, *, kind: str = "timeDate") -> str:
    return (
        f'<bpmn:intermediateCatchEvent id="{element_id}" name="{element_id}">'
        f"{timer_event(element_id + '_def', value, kind=kind)}</bpmn:intermediateCatchEvent>"
    )


def message_definition_without_key(message_id: str, name: str) -> str:
    """A message for a message start event (no subscription correlation key)."""
    return f'<bpmn:message id="{message_id}" name="{name}"/>'


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def single_task(process_id: str, job_type: str, *, task_id: str = "task", **task_options: object) -> bytes:
    """start -> one service task -> end."""
    task = service_task(task_id, job_type, **task_options)  # type: ignore[arg-type]
    return process(process_id, start(), task, end(), chain("start", task_id, "end"))
