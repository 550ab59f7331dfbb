"""Parsing each supported BPMN element family into the process model."""

from __future__ import annotations

import pytest

from engine.bpmn import parse_resource
from engine.bpmn.model import (
    ElementType,
    EventType,
    Literal,
    Mapping,
    MessageSubscription,
    TaskDefinition,
    TimerDefinition,
    TimerKind,
)
from engine.feel import Expression
from tests.unit.engine.bpmn.bpmn_xml import (
    DIAGRAMS,
    END,
    START,
    definitions,
    flow,
    message,
    parse_one,
    process,
    service_task,
    timer,
)


def source(value: object) -> str:
    assert isinstance(value, Expression)
    return value.source


# -- Processes and documents -----------------------------------------------------------------------------


def test_only_executable_processes_are_parsed() -> None:
    content = definitions(
        '<bpmn:process id="a" isExecutable="true"><bpmn:startEvent id="s1" /></bpmn:process>',
        '<bpmn:process id="b" isExecutable="false"><bpmn:startEvent id="s2" /></bpmn:process>',
        '<bpmn:process id="c"><bpmn:startEvent id="s3" /></bpmn:process>',
        '<bpmn:process id="d" isExecutable="true"><bpmn:startEvent id="s4" /></bpmn:process>',
    )

    processes = parse_resource("two.bpmn", content)

    assert [p.id for p in processes] == ["a", "d"]


def test_process_is_the_root_scope_element_with_name_and_documentation() -> None:
    content = definitions(
        '<bpmn:process id="order" name="Order" isExecutable="true">'
        "<bpmn:documentation>Handles orders.</bpmn:documentation>"
        f"{START}</bpmn:process>"
    )

    parsed = parse_one(content)

    assert parsed.name == "Order"
    assert parsed.root.type is ElementType.PROCESS
    assert parsed.root.scope is None
    assert parsed.root.documentation == "Handles orders."
    assert parsed.root.children == ["start"]


def test_element_documentation_and_name_are_kept() -> None:
    content = process(
        '<bpmn:startEvent id="start" name="Go"><bpmn:documentation>First '
        "step</bpmn:documentation></bpmn:startEvent>",
        start=False,
    )

    start = parse_one(content).element("start")

    assert start.name == "Go"
    assert start.documentation == "First step"


def test_diagram_interchange_and_artifacts_are_ignored() -> None:
    content = process(
        '<bpmn:textAnnotation id="Note"><bpmn:text>hi</bpmn:text></bpmn:textAnnotation>',
        '<bpmn:association id="A" sourceRef="start" targetRef="Note" />',
        '<bpmn:laneSet id="Lanes"><bpmn:lane id="Lane">'
        "<bpmn:flowNodeRef>start</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>",
        extra='<bpmndi:BPMNDiagram xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" id="D" />',
    )

    assert list(parse_one(content).elements) == ["p", "start"]


# -- Start events --------------------------------------------------------------------------------------


def test_none_start_event_is_the_scope_none_start_event() -> None:
    parsed = parse_one(process(END, flow("f", "start", "end")))

    assert parsed.root.none_start_event == "start"
    assert parsed.root.start_events == ["start"]
    assert parsed.element("start").event_type is EventType.NONE


def test_message_start_event_has_its_message_name() -> None:
    content = process(
        '<bpmn:startEvent id="byMessage"><bpmn:messageEventDefinition messageRef="M" /></bpmn:startEvent>',
        extra=message("M", "order-placed", correlation_key=None),
    )

    parsed = parse_one(content)

    start = parsed.element("byMessage")
    assert start.event_type is EventType.MESSAGE
    assert start.message == MessageSubscription(name=Literal("order-placed"), correlation_key=None)
    assert parsed.root.start_events == ["start", "byMessage"]
    assert parsed.root.none_start_event == "start"


def test_message_start_event_name_expression_is_evaluated_at_deployment() -> None:
    content = process(
        '<bpmn:startEvent id="byMessage"><bpmn:messageEventDefinition messageRef="M" /></bpmn:startEvent>',
        extra=message("M", "=&quot;order-&quot; + &quot;placed&quot;", correlation_key=None),
    )

    start = parse_one(content).element("byMessage")

    assert start.message == MessageSubscription(name=Literal("order-placed"), correlation_key=None)


def test_timer_start_event_with_a_constant_feel_expression_is_accepted() -> None:
    content = process(
        f'<bpmn:startEvent id="soon">{timer("timeDuration", "=duration(&quot;PT5M&quot;)")}</bpmn:startEvent>'
    )

    timer_definition = parse_one(content).element("soon").timer

    assert timer_definition is not None
    assert source(timer_definition.value) == 'duration("PT5M")'


def test_timer_start_event_has_its_cycle() -> None:
    content = process(f'<bpmn:startEvent id="daily">{timer("timeCycle", "R/P1D")}</bpmn:startEvent>')

    start = parse_one(content).element("daily")

    assert start.event_type is EventType.TIMER
    assert start.timer == TimerDefinition(TimerKind.CYCLE, Literal("R/P1D"))


# -- Job workers ---------------------------------------------------------------------------------------


def test_service_task_has_its_static_task_definition() -> None:
    content = process(
        '<bpmn:serviceTask id="t"><bpmn:extensionElements>'
        '<zeebe:taskDefinition type="charge" retries="5" /></bpmn:extensionElements></bpmn:serviceTask>'
    )

    task = parse_one(content).element("t")

    assert task.type is ElementType.SERVICE_TASK
    assert task.task == TaskDefinition(type=Literal("charge"), retries=Literal("5"))


def test_task_definition_retries_default_to_three() -> None:
    task = parse_one(process(service_task("t", "charge"))).element("t")

    assert task.task is not None
    assert task.task.retries == Literal("3")


def test_task_definition_values_starting_with_equals_are_feel_expressions() -> None:
    content = process(
        '<bpmn:serviceTask id="t"><bpmn:extensionElements>'
        '<zeebe:taskDefinition type="=&quot;charge-&quot; + provider" retries="=attempts" />'
        "</bpmn:extensionElements></bpmn:serviceTask>"
    )

    task = parse_one(content).element("t").task

    assert task is not None
    assert source(task.type) == '"charge-" + provider'
    assert source(task.retries) == "attempts"


@pytest.mark.parametrize(
    ("tag", "element_type"),
    [
        ("sendTask", ElementType.SEND_TASK),
        ("scriptTask", ElementType.SCRIPT_TASK),
        ("businessRuleTask", ElementType.BUSINESS_RULE_TASK),
    ],
)
def test_send_script_and_business_rule_tasks_are_job_workers(tag: str, element_type: ElementType) -> None:
    task = parse_one(process(service_task("t", "job", tag=tag))).element("t")

    assert task.type is element_type
    assert task.task == TaskDefinition(type=Literal("job"))


def test_task_headers_become_a_dictionary() -> None:
    content = process(
        '<bpmn:serviceTask id="t"><bpmn:extensionElements><zeebe:taskDefinition type="job" />'
        '<zeebe:taskHeaders><zeebe:header key="a" value="1" /><zeebe:header key="b" value="two" />'
        "</zeebe:taskHeaders></bpmn:extensionElements></bpmn:serviceTask>"
    )

    assert parse_one(content).element("t").task_headers == {"a": "1", "b": "two"}


def test_io_mappings_are_kept_in_document_order() -> None:
    content = process(
        '<bpmn:serviceTask id="t"><bpmn:extensionElements>'
        '<zeebe:taskDefinition type="job" /><zeebe:ioMapping>'
        '<zeebe:input source="=order.id" target="orderId" />'
        '<zeebe:output source="=result" target="order.result" />'
        '<zeebe:input source="=orderId + 1" target="next" />'
        "</zeebe:ioMapping></bpmn:extensionElements></bpmn:serviceTask>"
    )

    task = parse_one(content).element("t")

    assert [(source(m.source), m.target) for m in task.inputs] == [
        ("order.id", "orderId"),
        ("orderId + 1", "next"),
    ]
    assert [(source(m.source), m.target) for m in task.outputs] == [("result", "order.result")]


def test_static_input_source_becomes_a_feel_string_literal() -> None:
    content = process(
        '<bpmn:serviceTask id="t"><bpmn:extensionElements>'
        '<zeebe:taskDefinition type="job" /><zeebe:ioMapping>'
        '<zeebe:input source="say &quot;hi&quot;" target="greeting" />'
        "</zeebe:ioMapping></bpmn:extensionElements></bpmn:serviceTask>"
    )

    (mapping,) = parse_one(content).element("t").inputs

    assert isinstance(mapping, Mapping)
    assert mapping.source.evaluate({}) == 'say "hi"'


# -- Messages, signals, timers -------------------------------------------------------------------------


def test_receive_task_subscribes_to_its_message() -> None:
    content = process(
        '<bpmn:receiveTask id="wait" messageRef="M" />',
        extra=message("M", "paid", correlation_key="=order.id"),
    )

    task = parse_one(content).element("wait")

    assert task.type is ElementType.RECEIVE_TASK
    assert task.message is not None
    assert task.message.name == Literal("paid")
    assert source(task.message.correlation_key) == "order.id"


def test_message_name_starting_with_equals_is_an_expression() -> None:
    content = process(
        '<bpmn:intermediateCatchEvent id="c"><bpmn:messageEventDefinition '
        'messageRef="M" /></bpmn:intermediateCatchEvent>',
        extra=message("M", "=&quot;paid-&quot; + region"),
    )

    catch = parse_one(content).element("c")

    assert catch.type is ElementType.INTERMEDIATE_CATCH_EVENT
    assert catch.event_type is EventType.MESSAGE
    assert catch.message is not None
    assert source(catch.message.name) == '"paid-" + region'


def test_intermediate_timer_catch_event_has_its_duration() -> None:
    content = process(
        "<bpmn:intermediateCatchEvent "
        f'id="wait">{timer("timeDuration", "PT5M")}</bpmn:intermediateCatchEvent>'
    )

    catch = parse_one(content).element("wait")

    assert catch.event_type is EventType.TIMER
    assert catch.timer == TimerDefinition(TimerKind.DURATION, Literal("PT5M"))


def test_intermediate_timer_catch_event_has_its_date() -> None:
    content = process(
        "<bpmn:intermediateCatchEvent "
        f'id="wait">{timer("timeDate", "2025-01-01T10:00:00Z")}</bpmn:intermediateCatchEvent>'
    )

    assert parse_one(content).element("wait").timer == TimerDefinition(
        TimerKind.DATE, Literal("2025-01-01T10:00:00Z")
    )


def test_timer_value_starting_with_equals_is_an_expression() -> None:
    content = process(
        "<bpmn:intermediateCatchEvent "
        f'id="wait">{timer("timeDuration", "=delay")}</bpmn:intermediateCatchEvent>'
    )

    timer_definition = parse_one(content).element("wait").timer

    assert timer_definition is not None
    assert timer_definition.kind is TimerKind.DURATION
    assert source(timer_definition.value) == "delay"


def test_intermediate_signal_catch_event_has_its_signal_name() -> None:
    content = process(
        '<bpmn:intermediateCatchEvent id="s"><bpmn:signalEventDefinition '
        'signalRef="S" /></bpmn:intermediateCatchEvent>',
        extra='<bpmn:signal id="S" name="stock-arrived" />',
    )

    catch = parse_one(content).element("s")

    assert catch.event_type is EventType.SIGNAL
    assert catch.signal_name == Literal("stock-arrived")


# -- Throw and end events ------------------------------------------------------------------------------


def test_none_intermediate_throw_event_passes_through() -> None:
    throw = parse_one(process('<bpmn:intermediateThrowEvent id="milestone" />')).element("milestone")

    assert throw.type is ElementType.INTERMEDIATE_THROW_EVENT
    assert throw.event_type is EventType.NONE


def test_message_throw_event_with_task_definition_is_a_job_worker() -> None:
    content = process(
        '<bpmn:intermediateThrowEvent id="notify"><bpmn:extensionElements>'
        '<zeebe:taskDefinition type="notify" /></bpmn:extensionElements>'
        "<bpmn:messageEventDefinition /></bpmn:intermediateThrowEvent>"
    )

    throw = parse_one(content).element("notify")

    assert throw.event_type is EventType.MESSAGE
    assert throw.task == TaskDefinition(type=Literal("notify"))


def test_message_end_event_with_task_definition_is_a_job_worker() -> None:
    content = process(
        '<bpmn:endEvent id="done"><bpmn:extensionElements><zeebe:taskDefinition type="send-receipt" />'
        "</bpmn:extensionElements><bpmn:messageEventDefinition /></bpmn:endEvent>"
    )

    end = parse_one(content).element("done")

    assert end.type is ElementType.END_EVENT
    assert end.event_type is EventType.MESSAGE
    assert end.task == TaskDefinition(type=Literal("send-receipt"))


def test_error_end_event_throws_the_code_of_its_error() -> None:
    content = process(
        '<bpmn:endEvent id="fail"><bpmn:errorEventDefinition errorRef="E" /></bpmn:endEvent>',
        extra='<bpmn:error id="E" errorCode="OUT_OF_STOCK" />',
    )

    end = parse_one(content).element("fail")

    assert end.event_type is EventType.ERROR
    assert end.error_code == "OUT_OF_STOCK"


def test_terminate_end_event() -> None:
    content = process('<bpmn:endEvent id="kill"><bpmn:terminateEventDefinition /></bpmn:endEvent>')

    assert parse_one(content).element("kill").event_type is EventType.TERMINATE


def test_compensation_end_event_without_activity_ref_compensates_the_scope() -> None:
    content = process('<bpmn:endEvent id="undo"><bpmn:compensateEventDefinition /></bpmn:endEvent>')

    end = parse_one(content).element("undo")

    assert end.event_type is EventType.COMPENSATION
    assert end.compensation_activity_ref is None


def test_compensation_throw_event_with_activity_ref_names_the_activity() -> None:
    content = process(
        service_task("pay"),
        '<bpmn:boundaryEvent id="payComp" attachedToRef="pay">'
        "<bpmn:compensateEventDefinition /></bpmn:boundaryEvent>",
        service_task("refund", attrs='isForCompensation="true"'),
        '<bpmn:association id="a" sourceRef="payComp" targetRef="refund" />',
        '<bpmn:intermediateThrowEvent id="undo"><bpmn:compensateEventDefinition activityRef="pay" '
        'waitForCompletion="true" /></bpmn:intermediateThrowEvent>',
    )

    throw = parse_one(content).element("undo")

    assert throw.event_type is EventType.COMPENSATION
    assert throw.compensation_activity_ref == "pay"


# -- Boundary events -----------------------------------------------------------------------------------


def test_error_boundary_event_catches_the_code_of_its_error() -> None:
    content = process(
        service_task("pay"),
        '<bpmn:boundaryEvent id="declined" attachedToRef="pay">'
        '<bpmn:errorEventDefinition errorRef="E" /></bpmn:boundaryEvent>',
        extra='<bpmn:error id="E" errorCode="DECLINED" />',
    )

    parsed = parse_one(content)

    boundary = parsed.element("declined")
    assert boundary.type is ElementType.BOUNDARY_EVENT
    assert boundary.event_type is EventType.ERROR
    assert boundary.error_code == "DECLINED"
    assert boundary.attached_to == "pay"
    assert boundary.interrupting is True
    assert boundary.scope == "p"
    assert parsed.element("pay").boundary_events == ["declined"]


def test_error_boundary_event_without_error_ref_catches_all_errors() -> None:
    content = process(
        service_task("pay"),
        '<bpmn:boundaryEvent id="any" attachedToRef="pay"><bpmn:errorEventDefinition /></bpmn:boundaryEvent>',
    )

    assert parse_one(content).element("any").error_code is None


def test_error_boundary_event_whose_error_has_no_code_catches_all_errors() -> None:
    content = process(
        service_task("pay"),
        '<bpmn:boundaryEvent id="any" attachedToRef="pay">'
        '<bpmn:errorEventDefinition errorRef="E" /></bpmn:boundaryEvent>',
        extra='<bpmn:error id="E" name="Some error" />',
    )

    assert parse_one(content).element("any").error_code is None


def test_non_interrupting_timer_boundary_event_with_cycle() -> None:
    content = process(
        service_task("work"),
        '<bpmn:boundaryEvent id="remind" cancelActivity="false" '
        f'attachedToRef="work">{timer("timeCycle", "R3/PT10S")}'
        "</bpmn:boundaryEvent>",
    )

    boundary = parse_one(content).element("remind")

    assert boundary.event_type is EventType.TIMER
    assert boundary.interrupting is False
    assert boundary.timer == TimerDefinition(TimerKind.CYCLE, Literal("R3/PT10S"))


def test_interrupting_timer_boundary_event_with_duration() -> None:
    content = process(
        service_task("work"),
        '<bpmn:boundaryEvent id="timeout" '
        f'attachedToRef="work">{timer("timeDuration", "PT1H")}</bpmn:boundaryEvent>',
    )

    boundary = parse_one(content).element("timeout")

    assert boundary.interrupting is True
    assert boundary.timer == TimerDefinition(TimerKind.DURATION, Literal("PT1H"))


@pytest.mark.parametrize(("cancel_activity", "interrupting"), [("true", True), ("false", False)])
def test_message_boundary_event_may_be_interrupting_or_not(cancel_activity: str, interrupting: bool) -> None:
    content = process(
        '<bpmn:receiveTask id="wait" messageRef="M1" />',
        f'<bpmn:boundaryEvent id="cancel" cancelActivity="{cancel_activity}" attachedToRef="wait">'
        '<bpmn:messageEventDefinition messageRef="M2" /></bpmn:boundaryEvent>',
        extra=message("M1", "paid") + message("M2", "cancelled"),
    )

    boundary = parse_one(content).element("cancel")

    assert boundary.event_type is EventType.MESSAGE
    assert boundary.interrupting is interrupting
    assert boundary.message is not None
    assert boundary.message.name == Literal("cancelled")


def test_signal_boundary_event_has_its_signal_name() -> None:
    content = process(
        service_task("work"),
        '<bpmn:boundaryEvent id="stop" attachedToRef="work">'
        '<bpmn:signalEventDefinition signalRef="S" /></bpmn:boundaryEvent>',
        extra='<bpmn:signal id="S" name="=&quot;stop-&quot; + region" />',
    )

    boundary = parse_one(content).element("stop")

    assert boundary.event_type is EventType.SIGNAL
    assert source(boundary.signal_name) == '"stop-" + region'


def test_compensation_boundary_event_is_linked_to_its_handler_by_the_association() -> None:
    content = process(
        service_task("reserve"),
        '<bpmn:boundaryEvent id="reserveComp" attachedToRef="reserve">'
        "<bpmn:compensateEventDefinition /></bpmn:boundaryEvent>",
        service_task("release", attrs='isForCompensation="true"'),
        '<bpmn:association id="a" associationDirection="One" sourceRef="reserveComp" targetRef="release" />',
    )

    parsed = parse_one(content)

    boundary = parsed.element("reserveComp")
    assert boundary.event_type is EventType.COMPENSATION
    assert boundary.compensation_handler == "release"
    assert parsed.element("release").is_for_compensation is True
    assert parsed.element("reserve").boundary_events == ["reserveComp"]


# -- Scopes --------------------------------------------------------------------------------------------


def test_embedded_subprocess_is_a_scope_with_its_own_children() -> None:
    content = process(
        '<bpmn:subProcess id="sub"><bpmn:startEvent id="subStart" />'
        + service_task("inner")
        + flow("f1", "subStart", "inner")
        + "</bpmn:subProcess>"
    )

    parsed = parse_one(content)

    sub = parsed.element("sub")
    assert sub.type is ElementType.SUB_PROCESS
    assert sub.children == ["subStart", "inner"]
    assert sub.none_start_event == "subStart"
    assert parsed.element("inner").scope == "sub"
    assert parsed.element("inner").incoming == ["f1"]
    assert parsed.root.children == ["start", "sub"]


@pytest.mark.parametrize(("is_interrupting", "interrupting"), [("true", True), ("false", False)])
def test_event_subprocess_with_message_start_event(is_interrupting: str, interrupting: bool) -> None:
    content = process(
        '<bpmn:subProcess id="onCancel" triggeredByEvent="true">'
        f'<bpmn:startEvent id="cancelled" isInterrupting="{is_interrupting}">'
        '<bpmn:messageEventDefinition messageRef="M" />'
        "</bpmn:startEvent>" + END + flow("f", "cancelled", "end") + "</bpmn:subProcess>",
        extra=message("M", "cancel"),
    )

    parsed = parse_one(content)

    assert parsed.root.event_sub_processes == ["onCancel"]
    assert parsed.root.start_events == ["start"]
    event_sub_process = parsed.element("onCancel")
    assert event_sub_process.type is ElementType.EVENT_SUB_PROCESS
    assert event_sub_process.start_events == ["cancelled"]
    assert event_sub_process.none_start_event is None
    start = parsed.element("cancelled")
    assert start.event_type is EventType.MESSAGE
    assert start.interrupting is interrupting


def test_event_subprocess_with_timer_start_event() -> None:
    content = process(
        '<bpmn:subProcess id="onTimeout" triggeredByEvent="true">'
        f'<bpmn:startEvent id="late">{timer("timeDuration", "PT1H")}</bpmn:startEvent></bpmn:subProcess>',
    )

    start = parse_one(content).element("late")

    assert start.event_type is EventType.TIMER
    assert start.timer == TimerDefinition(TimerKind.DURATION, Literal("PT1H"))


def test_event_subprocess_with_error_start_event() -> None:
    content = process(
        '<bpmn:subProcess id="onError" triggeredByEvent="true">'
        '<bpmn:startEvent id="failed"><bpmn:errorEventDefinition '
        'errorRef="E" /></bpmn:startEvent></bpmn:subProcess>',
        extra='<bpmn:error id="E" errorCode="BOOM" />',
    )

    start = parse_one(content).element("failed")

    assert start.event_type is EventType.ERROR
    assert start.error_code == "BOOM"
    assert start.interrupting is True


def test_parallel_multi_instance_with_output_collection() -> None:
    content = process(
        service_task(
            "each",
            inner="<bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements>"
            '<zeebe:loopCharacteristics inputCollection="=items" inputElement="item" '
            'outputCollection="results" outputElement="=result" />'
            "</bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics>",
        )
    )

    multi_instance = parse_one(content).element("each").multi_instance

    assert multi_instance is not None
    assert multi_instance.sequential is False
    assert source(multi_instance.input_collection) == "items"
    assert multi_instance.input_element == "item"
    assert multi_instance.output_collection == "results"
    assert source(multi_instance.output_element) == "result"
    assert multi_instance.completion_condition is None


def test_sequential_multi_instance_with_completion_condition() -> None:
    content = process(
        service_task(
            "each",
            inner='<bpmn:multiInstanceLoopCharacteristics isSequential="true"><bpmn:extensionElements>'
            '<zeebe:loopCharacteristics inputCollection="=items" /></bpmn:extensionElements>'
            "<bpmn:completionCondition>=done</bpmn:completionCondition></bpmn:multiInstanceLoopCharacteristics>",
        )
    )

    multi_instance = parse_one(content).element("each").multi_instance

    assert multi_instance is not None
    assert multi_instance.sequential is True
    assert source(multi_instance.completion_condition) == "done"


# -- Gateways and flows --------------------------------------------------------------------------------


def test_exclusive_gateway_has_its_default_flow_and_conditions_in_document_order() -> None:
    content = process(
        '<bpmn:exclusiveGateway id="gw" default="otherwise" />',
        service_task("a"),
        service_task("b"),
        service_task("c"),
        flow("in", "start", "gw"),
        flow("big", "gw", "a", "=total &gt; 100"),
        flow("otherwise", "gw", "c"),
        flow("small", "gw", "b", "=total &lt;= 100"),
    )

    parsed = parse_one(content)

    gateway = parsed.element("gw")
    assert gateway.type is ElementType.EXCLUSIVE_GATEWAY
    assert gateway.default_flow == "otherwise"
    assert gateway.outgoing == ["big", "otherwise", "small"]
    assert source(parsed.flow("big").condition) == "total > 100"
    assert parsed.flow("otherwise").condition is None


def test_parallel_gateway_records_incoming_and_outgoing_flows() -> None:
    content = process(
        '<bpmn:parallelGateway id="fork" />',
        '<bpmn:parallelGateway id="join" />',
        service_task("a"),
        service_task("b"),
        flow("f0", "start", "fork"),
        flow("f1", "fork", "a"),
        flow("f2", "fork", "b"),
        flow("f3", "a", "join"),
        flow("f4", "b", "join"),
    )

    parsed = parse_one(content)

    assert parsed.element("fork").type is ElementType.PARALLEL_GATEWAY
    assert parsed.element("fork").outgoing == ["f1", "f2"]
    assert parsed.element("join").incoming == ["f3", "f4"]


def test_event_based_gateway_leads_to_message_and_timer_catch_events() -> None:
    content = process(
        '<bpmn:eventBasedGateway id="race" />',
        '<bpmn:intermediateCatchEvent id="paid"><bpmn:messageEventDefinition '
        'messageRef="M" /></bpmn:intermediateCatchEvent>',
        "<bpmn:intermediateCatchEvent "
        f'id="timeout">{timer("timeDuration", "PT15M")}</bpmn:intermediateCatchEvent>',
        flow("f0", "start", "race"),
        flow("f1", "race", "paid"),
        flow("f2", "race", "timeout"),
        extra=message("M", "paid"),
    )

    gateway = parse_one(content).element("race")

    assert gateway.type is ElementType.EVENT_BASED_GATEWAY
    assert gateway.outgoing == ["f1", "f2"]


def test_sequence_flow_keeps_its_name_source_and_target() -> None:
    content = process(END, '<bpmn:sequenceFlow id="f" name="go" sourceRef="start" targetRef="end" />')

    parsed = parse_one(content)

    assert parsed.flow("f").name == "go"
    assert (parsed.flow("f").source, parsed.flow("f").target) == ("start", "end")
    assert parsed.element("start").outgoing == ["f"]
    assert parsed.element("end").incoming == ["f"]


# -- A whole diagram as the Modeler writes it ----------------------------------------------------------


def test_modeler_diagram_with_compensation_saga_parses() -> None:
    content = (DIAGRAMS / "order-saga.bpmn").read_bytes()

    (parsed,) = parse_resource("order-saga.bpmn", content)

    assert parsed.id == "order-saga"
    assert parsed.element("ReserveStockCompensation").compensation_handler == "ReleaseStock"
    assert parsed.element("UndoReservation").compensation_activity_ref == "ReserveStock"
    assert parsed.element("ChargePayment").boundary_events == ["PaymentDeclined"]
    assert parsed.element("NotifyParties").multi_instance is not None
    assert parsed.root.event_sub_processes == ["CancellationHandler"]
    assert parsed.element("AwaitShipment").boundary_events == ["RemindCarrier"]
