"""The gateway's element table (gateway/domain/elements.py) agrees with bpmn/checkout.bpmn.

Timelines and statuses are built from element ids; a renamed or added task in the diagram must fail
here rather than silently vanish from what clients see.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from gateway.domain.elements import (
    COMPENSATED_END_EVENT,
    COMPENSATIONS,
    COMPLETED_END_EVENT,
    PROCESS_ID,
    SERVICE_TASKS,
    STEPS,
    ElementKind,
)

DIAGRAM = Path(__file__).resolve().parents[3] / "bpmn" / "checkout.bpmn"
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


@pytest.fixture(scope="module")
def process() -> ET.Element:
    found = ET.parse(DIAGRAM).getroot().find(f"{BPMN}process")
    assert found is not None
    return found


def elements(process: ET.Element, tag: str) -> dict[str, ET.Element]:
    return {element.attrib["id"]: element for element in process.iter(f"{BPMN}{tag}")}


def test_the_process_id_is_the_diagrams(process: ET.Element) -> None:
    assert process.attrib["id"] == PROCESS_ID


def test_the_table_lists_exactly_the_diagrams_service_tasks_with_their_names(process: ET.Element) -> None:
    tasks = elements(process, "serviceTask")

    assert {element_id: task.attrib["name"] for element_id, task in tasks.items()} == {
        element.element_id: element.name for element in SERVICE_TASKS.values()
    }


def test_the_steps_are_in_the_order_the_sequence_flows_run_them(process: ET.Element) -> None:
    flows = {f.attrib["sourceRef"]: f.attrib["targetRef"] for f in process.findall(f"{BPMN}sequenceFlow")}
    [start] = [s.attrib["id"] for s in process.findall(f"{BPMN}startEvent")]
    tasks = elements(process, "serviceTask")
    visited, node = [], flows[start]
    while node in flows:
        visited.append(node)
        node = flows[node]

    assert [n for n in visited if n in tasks] == [step.element_id for step in STEPS]
    assert node == COMPLETED_END_EVENT


def test_each_compensation_handler_compensates_the_step_its_boundary_event_is_attached_to(
    process: ET.Element,
) -> None:
    boundaries = elements(process, "boundaryEvent")
    handlers = {
        association.attrib["targetRef"]: boundaries[association.attrib["sourceRef"]].attrib["attachedToRef"]
        for association in process.findall(f"{BPMN}association")
    }
    for_compensation = {
        element_id
        for element_id, task in elements(process, "serviceTask").items()
        if task.attrib.get("isForCompensation") == "true"
    }

    assert set(handlers) == for_compensation
    for handler, step in handlers.items():
        assert (SERVICE_TASKS[handler].kind, SERVICE_TASKS[handler].compensates) == (
            ElementKind.COMPENSATION,
            step,
        )


def test_cancel_abandoned_capture_follows_the_time_limit_on_capture_payment(process: ET.Element) -> None:
    boundaries = elements(process, "boundaryEvent")
    flows = {f.attrib["sourceRef"]: f.attrib["targetRef"] for f in process.iter(f"{BPMN}sequenceFlow")}
    [(timer_id, timer)] = [
        (element_id, b)
        for element_id, b in boundaries.items()
        if b.find(f"{BPMN}timerEventDefinition") is not None
    ]
    element = SERVICE_TASKS[flows[timer_id]]

    assert element.element_id == "cancel_abandoned_capture"
    assert (element.kind, element.compensates) == (ElementKind.COMPENSATION, timer.attrib["attachedToRef"])


def test_every_compensation_undoes_a_step_and_every_step_has_one() -> None:
    steps = {step.element_id for step in STEPS}

    assert all(step.kind is ElementKind.STEP and step.compensates is None for step in STEPS)
    assert {compensation.compensates for compensation in COMPENSATIONS} == steps


def test_the_compensated_end_event_ends_the_compensation_subprocess(process: ET.Element) -> None:
    [subprocess] = [
        s for s in process.findall(f"{BPMN}subProcess") if s.attrib.get("triggeredByEvent") == "true"
    ]

    assert COMPENSATED_END_EVENT in elements(subprocess, "endEvent")
    assert COMPLETED_END_EVENT in {e.attrib["id"] for e in process.findall(f"{BPMN}endEvent")}
