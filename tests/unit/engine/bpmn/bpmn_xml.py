"""Small BPMN XML fixtures for the parser tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.bpmn import BpmnValidationError, parse_resource
from engine.bpmn.model import Process

DIAGRAMS = Path(__file__).parent / "diagrams"

_DEFINITIONS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn">\n{body}\n</bpmn:definitions>\n'
)

START = '<bpmn:startEvent id="start" />'
END = '<bpmn:endEvent id="end" />'


def definitions(*parts: str) -> bytes:
    return _DEFINITIONS.format(body="\n".join(parts)).encode()


def process(*parts: str, process_id: str = "p", extra: str = "", start: bool = True) -> bytes:
    """A definitions document with one executable process containing ``parts``; ``extra`` goes after it.

    The process begins with the none start event ``start`` unless ``start`` is false.
    """
    elements = (START, *parts) if start else parts
    body = (
        f'<bpmn:process id="{process_id}" isExecutable="true">\n' + "\n".join(elements) + "\n</bpmn:process>"
    )
    return definitions(body, extra)


def flow(flow_id: str, source: str, target: str, condition: str | None = None) -> str:
    if condition is None:
        return f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}" />'
    return (
        f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">'
        f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}</bpmn:conditionExpression>'
        "</bpmn:sequenceFlow>"
    )


def service_task(
    task_id: str, job_type: str = "work", *, tag: str = "serviceTask", attrs: str = "", inner: str = ""
) -> str:
    return (
        f'<bpmn:{tag} id="{task_id}" {attrs}><bpmn:extensionElements>'
        f'<zeebe:taskDefinition type="{job_type}" /></bpmn:extensionElements>{inner}</bpmn:{tag}>'
    )


def message(message_id: str, name: str = "msg", correlation_key: str | None = "=key") -> str:
    subscription = (
        ""
        if correlation_key is None
        else f'<bpmn:extensionElements><zeebe:subscription correlationKey="{correlation_key}" />'
        "</bpmn:extensionElements>"
    )
    return f'<bpmn:message id="{message_id}" name="{name}">{subscription}</bpmn:message>'


def timer(kind: str, value: str) -> str:
    return f"<bpmn:timerEventDefinition><bpmn:{kind}>{value}</bpmn:{kind}></bpmn:timerEventDefinition>"


def parse_one(content: bytes) -> Process:
    processes = parse_resource("test.bpmn", content)
    assert len(processes) == 1
    return processes[0]


def rejection(content: bytes, resource_name: str = "test.bpmn") -> str:
    """The rejection message of a resource that must not deploy."""
    with pytest.raises(BpmnValidationError) as raised:
        parse_resource(resource_name, content)
    return str(raised.value)


def problem(element: str, message: str) -> str:
    """The text of one problem in a rejection."""
    return f"- Element: {element}\n    - ERROR: {message}\n"


def problems(content: bytes) -> dict[str, list[str]]:
    """The problems of a resource that must not deploy, by element identifier."""
    with pytest.raises(BpmnValidationError) as raised:
        parse_resource("test.bpmn", content)
    found: dict[str, list[str]] = {}
    for item in raised.value.problems:
        found.setdefault(item.element or "", []).append(item.message)
    return found
