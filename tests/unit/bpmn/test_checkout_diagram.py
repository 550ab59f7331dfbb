"""Static checks of ``bpmn/checkout.bpmn`` that bpmnlint has no rule for.

The diagram is read as plain XML (no engine involved): what an analyst sees in Camunda Modeler and what
Zeebe deploys are both derived from this one file.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from workers.steps import COMPENSATION_RETRIES, FORWARD_RETRIES
from workers.tasks.saga import LIFECYCLE_RETRIES

DIAGRAM = Path(__file__).resolve().parents[3] / "bpmn" / "checkout.bpmn"

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "zeebe": "http://camunda.org/schema/zeebe/1.0",
    "modeler": "http://camunda.org/schema/modeler/1.0",
}
BPMN = "{" + NS["bpmn"] + "}"
BPMNDI = "{" + NS["bpmndi"] + "}"
MODELER = "{" + NS["modeler"] + "}"

# The saga's steps in order, each with its job type and its compensation handler's job type.
STEPS = [
    ("reserve_cart", "cart.reserve", "cart.release"),
    ("quote_price", "pricing.quote", "pricing.void"),
    ("capture_payment", "payment.capture", "payment.refund"),
    ("allocate_inventory", "inventory.allocate", "inventory.release"),
    ("create_order", "order.create", "order.cancel"),
]
SERVICES = {"cart", "pricing", "payment", "inventory", "order"}
JOB_TYPE = re.compile(r"^(?P<service>[a-z]+)\.(?P<action>[a-z]+)$")

FLOW_NODE_TAGS = {
    "startEvent",
    "endEvent",
    "intermediateThrowEvent",
    "intermediateCatchEvent",
    "boundaryEvent",
    "task",
    "serviceTask",
    "userTask",
    "scriptTask",
    "sendTask",
    "receiveTask",
    "businessRuleTask",
    "manualTask",
    "callActivity",
    "subProcess",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
}
FORWARD_JOB_TYPES = {"cart.reserve", "pricing.quote", "payment.capture", "inventory.allocate", "order.create"}
TASK_TAGS = {"serviceTask", "userTask", "scriptTask", "sendTask", "receiveTask", "businessRuleTask", "task"}


def local(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


@pytest.fixture(scope="module")
def root() -> ET.Element:
    return ET.parse(DIAGRAM).getroot()


@pytest.fixture(scope="module")
def process(root: ET.Element) -> ET.Element:
    processes = root.findall("bpmn:process", NS)
    assert len(processes) == 1, "checkout.bpmn holds exactly one process"
    return processes[0]


@pytest.fixture(scope="module")
def elements(process: ET.Element) -> dict[str, ET.Element]:
    """Every element with an id inside the process, nested ones included."""
    return {e.get("id", ""): e for e in process.iter() if e.get("id")}


def flow_nodes(process: ET.Element) -> list[ET.Element]:
    return [e for e in process.iter() if local(e) in FLOW_NODE_TAGS]


def tasks(process: ET.Element) -> list[ET.Element]:
    return [e for e in process.iter() if local(e) in TASK_TAGS]


def job_type(task: ET.Element) -> str:
    definition = task.find("bpmn:extensionElements/zeebe:taskDefinition", NS)
    assert definition is not None, f"{task.get('id')} has no zeebe:taskDefinition"
    return definition.get("type", "")


def retries(task: ET.Element) -> int:
    definition = task.find("bpmn:extensionElements/zeebe:taskDefinition", NS)
    assert definition is not None
    return int(definition.get("retries", "3"))


def compensation_boundaries(process: ET.Element) -> list[ET.Element]:
    return [
        e
        for e in process.iter(BPMN + "boundaryEvent")
        if e.find("bpmn:compensateEventDefinition", NS) is not None
    ]


def test_process_id_is_checkout_and_executable(process: ET.Element) -> None:
    assert process.get("id") == "checkout"
    assert process.get("isExecutable") == "true"


def test_definitions_target_camunda_8_5_or_newer(root: ET.Element) -> None:
    platform = root.get(MODELER + "executionPlatform")
    version = root.get(MODELER + "executionPlatformVersion", "")
    assert platform == "Camunda Cloud"
    major, minor = (int(part) for part in version.split(".")[:2])
    assert (major, minor) >= (8, 5), f"compensation events need Camunda 8.5+, diagram targets {version}"


def test_every_task_has_a_name_and_documentation(process: ET.Element) -> None:
    for task in tasks(process):
        assert (task.get("name") or "").strip(), f"{task.get('id')} has no name"
        documentation = task.find("bpmn:documentation", NS)
        assert documentation is not None, f"{task.get('id')} has no documentation"
        assert (documentation.text or "").strip(), f"{task.get('id')} has empty documentation"


def test_every_flow_node_has_a_label(process: ET.Element) -> None:
    for node in flow_nodes(process):
        assert (node.get("name") or "").strip(), f"{local(node)} {node.get('id')} has no name"


def test_steps_are_the_main_path_in_order(process: ET.Element, elements: dict[str, ET.Element]) -> None:
    """From the none start event the sequence flows visit the start announcement, exactly the steps in
    order, then an end event."""
    flows = {f.get("sourceRef"): f.get("targetRef") for f in process.findall("bpmn:sequenceFlow", NS)}
    starts = [
        s for s in process.findall("bpmn:startEvent", NS) if len(s) == 0 or not _has_event_definition(s)
    ]
    assert len(starts) == 1
    path: list[str] = []
    node = flows.get(starts[0].get("id"))
    while node is not None and local(elements[node]) != "endEvent":
        path.append(node)
        node = flows.get(node)
    assert path == ["checkout_started", *(step for step, _, _ in STEPS)]
    assert node == "checkout_completed"


def _has_event_definition(event: ET.Element) -> bool:
    return any(local(child).endswith("EventDefinition") for child in event)


def test_every_job_type_is_service_dot_action(process: ET.Element) -> None:
    for task in process.iter(BPMN + "serviceTask"):
        match = JOB_TYPE.match(job_type(task))
        assert match, f"{task.get('id')}: job type {job_type(task)!r} is not <service>.<action>"
        assert match["service"] in SERVICES, f"{task.get('id')}: unknown service {match['service']!r}"


@pytest.mark.parametrize(("step", "step_type", "handler_type"), STEPS)
def test_each_step_has_its_job_type_and_a_compensation_handler(
    process: ET.Element, elements: dict[str, ET.Element], step: str, step_type: str, handler_type: str
) -> None:
    assert job_type(elements[step]) == step_type
    boundaries = [b for b in compensation_boundaries(process) if b.get("attachedToRef") == step]
    assert len(boundaries) == 1, f"{step} needs exactly one compensation boundary event"
    (handler,) = _handlers_of(process, elements, boundaries[0])
    assert job_type(handler) == handler_type


def _handlers_of(
    process: ET.Element, elements: dict[str, ET.Element], boundary: ET.Element
) -> list[ET.Element]:
    return [
        elements[a.get("targetRef", "")]
        for a in process.iter(BPMN + "association")
        if a.get("sourceRef") == boundary.get("id") and a.get("targetRef") in elements
    ]


def test_every_compensation_boundary_event_has_a_handler(
    process: ET.Element, elements: dict[str, ET.Element]
) -> None:
    boundaries = compensation_boundaries(process)
    assert boundaries, "the diagram has no compensation boundary events"
    for boundary in boundaries:
        handlers = _handlers_of(process, elements, boundary)
        assert len(handlers) == 1, f"{boundary.get('id')} is associated with {len(handlers)} handlers"
        handler = handlers[0]
        assert handler.get("isForCompensation") == "true", f"{handler.get('id')} is not isForCompensation"
        # Zeebe: the handler has no sequence flows and no boundary events of its own.
        assert not [
            f
            for f in process.iter(BPMN + "sequenceFlow")
            if handler.get("id") in (f.get("sourceRef"), f.get("targetRef"))
        ], f"{handler.get('id')} has sequence flows"
        assert not [
            b for b in process.iter(BPMN + "boundaryEvent") if b.get("attachedToRef") == handler.get("id")
        ], f"{handler.get('id')} has boundary events"
        # The boundary event itself has no outgoing flow and waits for its handler (Zeebe's requirement).
        assert not [
            f for f in process.iter(BPMN + "sequenceFlow") if f.get("sourceRef") == boundary.get("id")
        ]


def test_every_handler_is_attached_to_a_boundary_event(
    process: ET.Element, elements: dict[str, ET.Element]
) -> None:
    targets = {a.get("targetRef") for a in process.iter(BPMN + "association")}
    for task in tasks(process):
        if task.get("isForCompensation") == "true":
            assert task.get("id") in targets, f"handler {task.get('id')} is not associated with any event"


def test_compensation_chain_throws_in_exact_reverse_step_order(
    process: ET.Element, elements: dict[str, ET.Element]
) -> None:
    subprocesses = [s for s in process.iter(BPMN + "subProcess") if s.get("triggeredByEvent") == "true"]
    assert len(subprocesses) == 1, "one event subprocess compensates the checkout"
    subprocess = subprocesses[0]
    (start,) = subprocess.findall("bpmn:startEvent", NS)
    error = start.find("bpmn:errorEventDefinition", NS)
    assert error is not None, "the event subprocess starts on an error"
    assert not error.get("errorRef"), "the error start event catches every error code (no errorRef)"
    assert start.get("isInterrupting", "true") == "true"

    flows = {f.get("sourceRef"): f.get("targetRef") for f in subprocess.findall("bpmn:sequenceFlow", NS)}
    thrown: list[str] = []
    node = flows.get(flows.get(start.get("id")))  # past the Compensation started announcement
    while node is not None and local(elements[node]) == "intermediateThrowEvent":
        definition = elements[node].find("bpmn:compensateEventDefinition", NS)
        assert definition is not None, f"{node} is not a compensation throw event"
        assert definition.get("waitForCompletion", "true") == "true"
        thrown.append(definition.get("activityRef", ""))
        node = flows.get(node)
    assert thrown == [step for step, _, _ in reversed(STEPS)]
    assert node == "checkout_compensated"
    assert local(elements[node]) == "endEvent"


# The lifecycle message events and what they announce on checkout.saga (workers/tasks/saga.py).
LIFECYCLE = [
    ("checkout_started", "intermediateThrowEvent", "saga.started"),
    ("compensation_started", "intermediateThrowEvent", "saga.compensation-started"),
    ("checkout_completed", "endEvent", "saga.completed"),
    ("checkout_compensated", "endEvent", "saga.compensated"),
]


@pytest.mark.parametrize(("element_id", "kind", "announcement"), LIFECYCLE)
def test_lifecycle_events_are_message_events_run_by_the_saga_worker(
    elements: dict[str, ET.Element], element_id: str, kind: str, announcement: str
) -> None:
    event = elements[element_id]
    assert local(event) == kind
    assert event.find("bpmn:messageEventDefinition", NS) is not None
    assert job_type(event) == announcement
    assert retries(event) == LIFECYCLE_RETRIES


def test_compensation_is_announced_right_after_the_failure_is_caught(
    elements: dict[str, ET.Element], process: ET.Element
) -> None:
    flows = {f.get("sourceRef"): f.get("targetRef") for f in process.iter(BPMN + "sequenceFlow")}
    assert flows["checkout_failed"] == "compensation_started"


def test_payment_capture_has_an_interrupting_time_limit_with_a_default(
    process: ET.Element, elements: dict[str, ET.Element]
) -> None:
    timers = [
        b
        for b in process.iter(BPMN + "boundaryEvent")
        if b.get("attachedToRef") == "capture_payment" and b.find("bpmn:timerEventDefinition", NS) is not None
    ]
    assert len(timers) == 1
    timer = timers[0]
    assert timer.get("cancelActivity", "true") == "true"
    duration = timer.find("bpmn:timerEventDefinition/bpmn:timeDuration", NS)
    assert duration is not None
    assert "paymentTimeout" in (duration.text or "")
    assert '"PT30S"' in (duration.text or "")


def test_payment_time_limit_voids_the_abandoned_capture_then_throws_payment_timeout(
    process: ET.Element, elements: dict[str, ET.Element]
) -> None:
    # Zeebe does not compensate the interrupted capture, so the timer path refunds it itself before the
    # error end event hands the rest to the catch-all compensation subprocess.
    flows = {f.get("sourceRef"): f.get("targetRef") for f in process.iter(BPMN + "sequenceFlow")}
    void = elements[flows["payment_time_limit"]]
    assert local(void) == "serviceTask"
    assert job_type(void) == "payment.refund"
    end = elements[flows[void.get("id")]]
    assert local(end) == "endEvent"
    error = end.find("bpmn:errorEventDefinition", NS)
    assert error is not None
    assert error.get("errorRef") == "error_payment_timeout"


def test_forward_steps_have_the_retries_the_workers_count_back_off_from(process: ET.Element) -> None:
    forward = [t for t in process.iter(BPMN + "serviceTask") if job_type(t) in FORWARD_JOB_TYPES]
    assert {job_type(t) for t in forward} == FORWARD_JOB_TYPES
    for task in forward:
        assert retries(task) == FORWARD_RETRIES, task.get("id")


def test_compensations_have_the_retries_the_workers_count_back_off_from(process: ET.Element) -> None:
    undoing = [t for t in process.iter(BPMN + "serviceTask") if job_type(t) not in FORWARD_JOB_TYPES]
    assert len(undoing) == len(FORWARD_JOB_TYPES) + 1  # the handlers and the abandoned capture's void
    for task in undoing:
        assert retries(task) == COMPENSATION_RETRIES, task.get("id")


def test_every_flow_node_has_a_shape_and_every_flow_an_edge(root: ET.Element, process: ET.Element) -> None:
    shapes = {s.get("bpmnElement"): s for s in root.iter(BPMNDI + "BPMNShape")}
    edges = {e.get("bpmnElement") for e in root.iter(BPMNDI + "BPMNEdge")}
    for node in flow_nodes(process):
        assert node.get("id") in shapes, f"{node.get('id')} has no BPMNShape"
        bounds = shapes[node.get("id")].find("dc:Bounds", NS)
        assert bounds is not None, f"{node.get('id')}'s shape has no bounds"
    for connection in [*process.iter(BPMN + "sequenceFlow"), *process.iter(BPMN + "association")]:
        assert connection.get("id") in edges, f"{connection.get('id')} has no BPMNEdge"


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float

    def overlaps(self, other: Box) -> bool:
        return (
            self.x < other.x + other.width
            and other.x < self.x + self.width
            and self.y < other.y + other.height
            and other.y < self.y + self.height
        )


def boxes(root: ET.Element) -> dict[str, Box]:
    """Each shape's bounds, by the id of the element it draws."""
    found = {}
    for shape in root.iter(BPMNDI + "BPMNShape"):
        bounds = shape.find("dc:Bounds", NS)
        assert bounds is not None
        found[shape.get("bpmnElement", "")] = Box(
            *(float(bounds.get(k, "0")) for k in ("x", "y", "width", "height"))
        )
    return found


def test_every_sequence_flow_runs_left_to_right(root: ET.Element, process: ET.Element) -> None:
    drawn = boxes(root)
    for flow in process.iter(BPMN + "sequenceFlow"):
        source, target = drawn[flow.get("sourceRef", "")], drawn[flow.get("targetRef", "")]
        assert target.x >= source.x, f"{flow.get('id')} runs right to left"


def test_no_two_shapes_overlap_but_a_boundary_event_on_its_activity_and_a_sub_process_on_its_content(
    root: ET.Element, process: ET.Element
) -> None:
    drawn = boxes(root)
    allowed = {
        frozenset((event.get("id", ""), event.get("attachedToRef", "")))
        for event in process.iter(BPMN + "boundaryEvent")
    }
    for sub_process in process.iter(BPMN + "subProcess"):
        allowed |= {
            frozenset((sub_process.get("id", ""), inner.get("id", "")))
            for inner in flow_nodes(sub_process)
            if inner is not sub_process
        }
    nodes = [node.get("id", "") for node in flow_nodes(process)]
    for index, first in enumerate(nodes):
        for second in nodes[index + 1 :]:
            if frozenset((first, second)) not in allowed:
                assert not drawn[first].overlaps(drawn[second]), f"{first} and {second} overlap"


def test_every_event_shape_has_label_bounds(root: ET.Element, process: ET.Element) -> None:
    shapes = {s.get("bpmnElement"): s for s in root.iter(BPMNDI + "BPMNShape")}
    for node in flow_nodes(process):
        if local(node).endswith("Event"):
            label = shapes[node.get("id")].find("bpmndi:BPMNLabel/dc:Bounds", NS)
            assert label is not None, f"{node.get('id')} has no label bounds"


def test_loyalty_is_not_a_step(process: ET.Element) -> None:
    """Awarding points reacts to the order's event (choreography), never a job of this diagram."""
    for task in process.iter(BPMN + "serviceTask"):
        assert not job_type(task).startswith("loyalty.")


@pytest.mark.parametrize(
    ("variables", "expected"),
    [({}, "PT30S"), ({"paymentTimeout": "PT5S"}, "PT5S"), ({"paymentTimeout": "PT2M"}, "PT2M")],
)
def test_payment_time_limit_defaults_to_30_seconds(
    process: ET.Element, variables: dict[str, str], expected: str
) -> None:
    """The timer's FEEL duration, evaluated with the local engine's FEEL (feel-scala semantics)."""
    from engine.feel import compile_expression, to_json

    (duration,) = [
        d.text or ""
        for b in process.iter(BPMN + "boundaryEvent")
        if b.get("attachedToRef") == "capture_payment"
        for d in b.iterfind("bpmn:timerEventDefinition/bpmn:timeDuration", NS)
    ]
    assert duration.startswith("=")
    assert to_json(compile_expression(duration[1:]).evaluate(variables)) == expected
