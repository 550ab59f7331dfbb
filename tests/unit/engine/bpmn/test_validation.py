"""Deployment validation: each rule rejects the resource and names the offending element."""

from __future__ import annotations

import pytest

from tests.unit.engine.bpmn.bpmn_xml import (
    END,
    definitions,
    flow,
    message,
    problems,
    process,
    rejection,
    service_task,
    timer,
)

# -- The document ------------------------------------------------------------------------------------


def test_xml_that_is_not_well_formed_is_rejected_with_the_parser_message() -> None:
    text = rejection(b"<bpmn:definitions><oops></bpmn:definitions>", "broken.bpmn")

    assert text.startswith(
        "Expected to deploy new resources, but encountered the following errors:\n'broken.bpmn': "
    )
    assert "line 1" in text


def test_doctype_is_refused() -> None:
    content = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>' + process(END).split(b"?>", 1)[1]

    assert "DOCTYPE is disallowed" in rejection(content)


def test_doctype_is_refused_in_any_encoding() -> None:
    content = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'.encode(
        "utf-16"
    )

    assert "DOCTYPE is disallowed" in rejection(content)


def test_root_element_must_be_bpmn_definitions() -> None:
    assert "Expected the root element 'definitions'" in rejection(b"<definitions />")


def test_file_without_executable_process_is_rejected() -> None:
    content = definitions(
        '<bpmn:process id="p" isExecutable="false"><bpmn:startEvent id="s" /></bpmn:process>'
    )

    assert problems(content) == {"Definitions_1": ["Must contain at least one executable process"]}


def test_duplicate_ids_are_rejected() -> None:
    content = process(service_task("task"), '<bpmn:endEvent id="task" />')

    assert problems(content) == {"task": ["cvc-id.2: There are multiple occurrences of ID value 'task'."]}


def test_all_problems_of_a_resource_are_reported_together() -> None:
    content = process('<bpmn:serviceTask id="a" />', '<bpmn:userTask id="b" />')

    assert set(problems(content)) == {"a", "b"}


# -- Unsupported elements -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tag",
    [
        "userTask",
        "manualTask",
        "task",
        "callActivity",
        "inclusiveGateway",
        "complexGateway",
        "transaction",
        "adHocSubProcess",
    ],
)
def test_unsupported_flow_elements_are_rejected(tag: str) -> None:
    content = process(f'<bpmn:{tag} id="X" />')

    assert problems(content)["X"] == [
        f"Elements of type '{tag}' are currently not supported by this engine (unsupported element)"
    ]


def test_unsupported_element_inside_a_subprocess_is_rejected() -> None:
    content = process(
        '<bpmn:subProcess id="sub"><bpmn:startEvent id="s2" /><bpmn:userTask id="X" /></bpmn:subProcess>'
    )

    assert "X" in problems(content)


@pytest.mark.parametrize("definition", ["signalEventDefinition", "escalationEventDefinition"])
def test_signal_and_escalation_end_events_are_rejected(definition: str) -> None:
    content = process(f'<bpmn:endEvent id="X"><bpmn:{definition} /></bpmn:endEvent>')

    assert problems(content)["X"] == [
        "End events must be one of: none, error, message, terminate or compensation"
    ]


@pytest.mark.parametrize("definition", ["conditionalEventDefinition", "linkEventDefinition"])
def test_conditional_and_link_catch_events_are_rejected(definition: str) -> None:
    content = process(
        f'<bpmn:intermediateCatchEvent id="X"><bpmn:{definition} /></bpmn:intermediateCatchEvent>'
    )

    assert problems(content)["X"] == ["Event definition must be one of: message, timer or signal"]


def test_link_throw_event_is_rejected() -> None:
    content = process(
        '<bpmn:intermediateThrowEvent id="X"><bpmn:linkEventDefinition '
        'name="l" /></bpmn:intermediateThrowEvent>'
    )

    assert problems(content)["X"] == [
        "Intermediate throw events must be one of: none, message or compensation"
    ]


def test_signal_start_event_is_rejected() -> None:
    content = process(
        '<bpmn:startEvent id="X"><bpmn:signalEventDefinition signalRef="S" /></bpmn:startEvent>',
        extra='<bpmn:signal id="S" name="go" />',
    )

    assert problems(content)["X"] == ["Start events must be one of: none, message or timer"]


def test_standard_loop_characteristics_are_rejected() -> None:
    content = process(service_task("X", inner="<bpmn:standardLoopCharacteristics />"))

    assert "unsupported element" in problems(content)["X"][0]


def test_zeebe_extension_that_changes_behaviour_is_rejected() -> None:
    content = process(
        '<bpmn:serviceTask id="X"><bpmn:extensionElements><zeebe:taskDefinition type="job" />'
        '<zeebe:executionListeners><zeebe:executionListener eventType="start" type="audit" />'
        "</zeebe:executionListeners></bpmn:extensionElements></bpmn:serviceTask>"
    )

    assert problems(content) == {
        "X > extensionElements > executionListeners": [
            "The extension element 'zeebe:executionListeners' is not supported by this engine"
        ]
    }


def test_script_task_with_zeebe_script_instead_of_a_job_worker_is_rejected() -> None:
    content = process(
        '<bpmn:scriptTask id="X"><bpmn:extensionElements>'
        '<zeebe:script expression="=1 + 1" resultVariable="two" /></bpmn:extensionElements></bpmn:scriptTask>'
    )

    found = problems(content)

    assert "Must have exactly one 'zeebe:taskDefinition' extension element" in found["X"]
    assert found["X > extensionElements > script"] == [
        "'zeebe:script' is not supported by this engine; use a 'zeebe:taskDefinition' (job worker)"
    ]


# -- Job workers -------------------------------------------------------------------------------------


def test_service_task_without_task_definition_is_rejected() -> None:
    content = process('<bpmn:serviceTask id="X" />')

    assert problems(content) == {"X": ["Must have exactly one 'zeebe:taskDefinition' extension element"]}


def test_service_task_with_two_task_definitions_is_rejected() -> None:
    content = process(
        '<bpmn:serviceTask id="X"><bpmn:extensionElements><zeebe:taskDefinition type="a" />'
        '<zeebe:taskDefinition type="b" /></bpmn:extensionElements></bpmn:serviceTask>'
    )

    assert problems(content) == {"X": ["Must have exactly one 'zeebe:taskDefinition' extension element"]}


@pytest.mark.parametrize("tag", ["sendTask", "scriptTask", "businessRuleTask"])
def test_other_job_worker_tasks_without_task_definition_are_rejected(tag: str) -> None:
    content = process(f'<bpmn:{tag} id="X" />')

    assert problems(content) == {"X": ["Must have exactly one 'zeebe:taskDefinition' extension element"]}


def test_task_definition_with_empty_type_is_rejected() -> None:
    content = process(service_task("X", job_type=""))

    assert problems(content) == {
        "X > extensionElements > taskDefinition": ["Attribute 'type' must be present and not empty"]
    }


def test_task_definition_with_empty_retries_is_rejected() -> None:
    content = process(
        '<bpmn:serviceTask id="X"><bpmn:extensionElements><zeebe:taskDefinition type="a" retries="" />'
        "</bpmn:extensionElements></bpmn:serviceTask>"
    )

    assert problems(content) == {
        "X > extensionElements > taskDefinition": ["Attribute 'retries' must be present and not empty"]
    }


def test_static_retries_must_be_a_number() -> None:
    content = process(
        '<bpmn:serviceTask id="X"><bpmn:extensionElements><zeebe:taskDefinition type="a" retries="many" />'
        "</bpmn:extensionElements></bpmn:serviceTask>"
    )

    assert problems(content) == {
        "X > extensionElements > taskDefinition": [
            "Expected static value to be a valid Number, but found 'many'."
        ]
    }


def test_message_throw_event_without_task_definition_is_rejected() -> None:
    content = process(
        '<bpmn:intermediateThrowEvent id="X"><bpmn:messageEventDefinition /></bpmn:intermediateThrowEvent>'
    )

    assert problems(content) == {"X": ["Must have exactly one 'zeebe:taskDefinition' extension element"]}


def test_duplicate_task_header_keys_are_rejected() -> None:
    content = process(
        '<bpmn:serviceTask id="X"><bpmn:extensionElements>'
        '<zeebe:taskDefinition type="a" /><zeebe:taskHeaders>'
        '<zeebe:header key="k" value="1" /><zeebe:header key="k" value="2" />'
        "</zeebe:taskHeaders></bpmn:extensionElements></bpmn:serviceTask>"
    )

    assert problems(content) == {
        "X > extensionElements > taskHeaders": ["Headers contain duplicate entries for key 'k'"]
    }


def test_reserved_task_header_keys_are_rejected() -> None:
    content = process(
        '<bpmn:serviceTask id="X"><bpmn:extensionElements>'
        '<zeebe:taskDefinition type="a" /><zeebe:taskHeaders>'
        '<zeebe:header key="io.camunda.zeebe:userTaskKey" value="1" />'
        "</zeebe:taskHeaders></bpmn:extensionElements></bpmn:serviceTask>"
    )

    assert "reserved for internal use" in problems(content)["X > extensionElements > taskHeaders"][0]


# -- Mappings and expressions --------------------------------------------------------------------------


def _mapping(kind: str, source: str, target: str = "x") -> bytes:
    return process(
        f'<bpmn:serviceTask id="X"><bpmn:extensionElements><zeebe:taskDefinition type="a" /><zeebe:ioMapping>'
        f'<zeebe:{kind} source="{source}" target="{target}" />'
        "</zeebe:ioMapping></bpmn:extensionElements></bpmn:serviceTask>"
    )


def test_invalid_feel_in_an_input_mapping_is_rejected() -> None:
    found = problems(_mapping("input", "=(a + "))

    (message_text,) = found["X > extensionElements > ioMapping > input"]
    assert message_text.startswith("failed to parse expression")


def test_static_output_mapping_source_is_rejected() -> None:
    assert problems(_mapping("output", "result")) == {
        "X > extensionElements > ioMapping > output": [
            "Expected expression but found static value 'result'. "
            "An expression must start with '=' (e.g. '=result')."
        ]
    }


def test_mapping_target_must_be_a_variable_path() -> None:
    found = problems(_mapping("input", "=1", target="a-b"))

    assert found["X > extensionElements > ioMapping > input"] == [
        "Expected path expression 'a-b' but doesn't match the pattern "
        "'[a-zA-Z_][a-zA-Z0-9_]*(\\.[a-zA-Z_][a-zA-Z0-9_]*)*'."
    ]


def test_invalid_feel_in_a_task_type_is_rejected() -> None:
    found = problems(process(service_task("X", job_type="=&quot;unterminated")))

    assert found["X > extensionElements > taskDefinition"][0].startswith("failed to parse expression")


def test_invalid_feel_in_a_sequence_flow_condition_is_rejected() -> None:
    content = process(
        '<bpmn:exclusiveGateway id="gw" default="f2" />',
        END,
        service_task("a"),
        flow("f0", "start", "gw"),
        flow("f1", "gw", "a", "=total &gt;"),
        flow("f2", "gw", "end"),
    )

    assert problems(content)["f1 > conditionExpression"][0].startswith("failed to parse expression")


def test_static_sequence_flow_condition_is_rejected() -> None:
    content = process(
        '<bpmn:exclusiveGateway id="gw" default="f2" />',
        END,
        service_task("a"),
        flow("f0", "start", "gw"),
        flow("f1", "gw", "a", "total &gt; 5"),
        flow("f2", "gw", "end"),
    )

    assert problems(content)["f1 > conditionExpression"][0].startswith(
        "Expected expression but found static value"
    )


# -- Start events and scopes ---------------------------------------------------------------------------


def test_process_without_start_event_is_rejected() -> None:
    assert problems(process(END, start=False)) == {"p": ["Must have at least one start event"]}


def test_process_with_two_none_start_events_is_rejected() -> None:
    assert problems(process('<bpmn:startEvent id="other" />')) == {
        "p": ["Multiple none start events are not allowed"]
    }


def test_subprocess_without_start_event_is_rejected() -> None:
    content = process(f'<bpmn:subProcess id="X">{service_task("inner")}</bpmn:subProcess>')

    assert problems(content) == {"X": ["Must have exactly one start event"]}


def test_subprocess_with_two_start_events_is_rejected() -> None:
    content = process(
        '<bpmn:subProcess id="X"><bpmn:startEvent id="s1" /><bpmn:startEvent id="s2" /></bpmn:subProcess>'
    )

    assert problems(content) == {"X": ["Must have exactly one start event"]}


def test_subprocess_with_a_message_start_event_is_rejected() -> None:
    content = process(
        '<bpmn:subProcess id="sub"><bpmn:startEvent id="X"><bpmn:messageEventDefinition messageRef="M" />'
        "</bpmn:startEvent></bpmn:subProcess>",
        extra=message("M"),
    )

    assert problems(content) == {"X": ["Start events in subprocesses must be of type none"]}


def test_event_subprocess_without_start_event_is_rejected() -> None:
    content = process(f'<bpmn:subProcess id="X" triggeredByEvent="true">{END}</bpmn:subProcess>')

    assert problems(content) == {"X": ["Must have exactly one start event"]}


def test_event_subprocess_with_two_start_events_is_rejected() -> None:
    content = process(
        '<bpmn:subProcess id="X" triggeredByEvent="true">'
        f'<bpmn:startEvent id="t1">{timer("timeDuration", "PT1M")}</bpmn:startEvent>'
        f'<bpmn:startEvent id="t2">{timer("timeDuration", "PT2M")}</bpmn:startEvent></bpmn:subProcess>'
    )

    assert problems(content) == {"X": ["Must have exactly one start event"]}


def test_event_subprocess_with_a_none_start_event_is_rejected() -> None:
    content = process(
        '<bpmn:subProcess id="esp" triggeredByEvent="true"><bpmn:startEvent id="X" /></bpmn:subProcess>'
    )

    assert problems(content) == {
        "X": ["Start events in event subprocesses must be one of: message, timer or error"]
    }


def test_compensation_event_subprocess_is_rejected() -> None:
    content = process(
        '<bpmn:subProcess id="esp" triggeredByEvent="true"><bpmn:startEvent id="X">'
        "<bpmn:compensateEventDefinition /></bpmn:startEvent></bpmn:subProcess>"
    )

    assert problems(content) == {"X": ["A compensation event subprocess is not allowed on the process level"]}


def test_non_interrupting_error_start_event_is_rejected() -> None:
    content = process(
        '<bpmn:subProcess id="esp" triggeredByEvent="true"><bpmn:startEvent id="X" isInterrupting="false">'
        "<bpmn:errorEventDefinition /></bpmn:startEvent></bpmn:subProcess>"
    )

    assert problems(content) == {"X": ["Non-Interrupting event of this type is not allowed"]}


def test_event_subprocess_with_sequence_flows_is_rejected() -> None:
    content = process(
        '<bpmn:subProcess id="X" triggeredByEvent="true">'
        f'<bpmn:startEvent id="t">{timer("timeDuration", "PT1M")}</bpmn:startEvent></bpmn:subProcess>',
        flow("f", "start", "X"),
    )

    assert problems(content) == {
        "X": ["Event subprocesses must not have incoming or outgoing sequence flows"]
    }


def test_start_event_with_incoming_flow_is_rejected() -> None:
    content = process(service_task("a"), flow("f1", "start", "a"), flow("f2", "a", "start"))

    assert problems(content) == {"start": ["Start events must not have incoming sequence flows"]}


def test_end_event_with_outgoing_flow_is_rejected() -> None:
    content = process('<bpmn:endEvent id="X" />', service_task("a"), flow("f", "X", "a"))

    assert problems(content) == {"X": ["End events must not have outgoing sequence flows to other elements."]}


# -- Sequence flows ------------------------------------------------------------------------------------


def test_sequence_flow_into_another_scope_is_rejected() -> None:
    content = process(
        '<bpmn:subProcess id="sub"><bpmn:startEvent id="s2" />'
        + service_task("inner")
        + "</bpmn:subProcess>",
        flow("X", "start", "inner"),
    )

    assert problems(content) == {
        "X": [
            "Sequence flows must connect elements of the same scope: the flow is in 'p', its source 'start' "
            "in 'p' and its target 'inner' in 'sub'"
        ]
    }


def test_sequence_flow_without_source_ref_is_rejected() -> None:
    content = process(END, '<bpmn:sequenceFlow id="X" targetRef="end" />')

    assert problems(content) == {"X": ["SequenceFlow is missing required attribute sourceRef"]}


def test_sequence_flow_to_an_unknown_element_is_rejected() -> None:
    content = process(flow("X", "start", "nowhere"))

    assert problems(content) == {"X": ["SequenceFlow has targetRef 'nowhere'  which cannot be resolved"]}


def test_conditional_flow_outside_an_exclusive_gateway_is_rejected() -> None:
    content = process(service_task("a"), flow("f", "start", "a", "=ok"))

    assert problems(content) == {
        "start": ["Conditional sequence flows are only supported at exclusive gateways"]
    }


# -- Boundary events -----------------------------------------------------------------------------------


def test_boundary_event_with_incoming_flow_is_rejected() -> None:
    content = process(
        service_task("a"),
        f'<bpmn:boundaryEvent id="X" attachedToRef="a">{timer("timeDuration", "PT1M")}</bpmn:boundaryEvent>',
        flow("f", "start", "X"),
    )

    assert problems(content) == {"X": ["Cannot have incoming sequence flows"]}


def test_boundary_event_without_event_definition_is_rejected() -> None:
    content = process(service_task("a"), '<bpmn:boundaryEvent id="X" attachedToRef="a" />')

    assert problems(content) == {"X": ["Must have exactly one event definition"]}


def test_boundary_event_without_attached_activity_is_rejected() -> None:
    content = process(f'<bpmn:boundaryEvent id="X">{timer("timeDuration", "PT1M")}</bpmn:boundaryEvent>')

    assert problems(content) == {"X": ["Must be attached to an activity"]}


def test_boundary_event_attached_to_a_gateway_is_rejected() -> None:
    content = process(
        '<bpmn:parallelGateway id="gw" />',
        f'<bpmn:boundaryEvent id="X" attachedToRef="gw">{timer("timeDuration", "PT1M")}</bpmn:boundaryEvent>',
    )

    assert problems(content) == {
        "X": ["Must be attached to an activity, but 'gw' is of type PARALLEL_GATEWAY"]
    }


def test_escalation_boundary_event_is_rejected() -> None:
    content = process(
        service_task("a"),
        '<bpmn:boundaryEvent id="X" attachedToRef="a">'
        "<bpmn:escalationEventDefinition /></bpmn:boundaryEvent>",
    )

    assert problems(content) == {
        "X": ["Boundary events must be one of: timer, message, error, signal or compensation"]
    }


def test_non_interrupting_error_boundary_event_is_rejected() -> None:
    content = process(
        service_task("a"),
        '<bpmn:boundaryEvent id="X" cancelActivity="false" '
        'attachedToRef="a"><bpmn:errorEventDefinition /></bpmn:boundaryEvent>',
    )

    assert problems(content) == {"X": ["Non-Interrupting event of this type is not allowed"]}


def test_interrupting_timer_boundary_event_with_cycle_is_rejected() -> None:
    content = process(
        service_task("a"),
        f'<bpmn:boundaryEvent id="X" attachedToRef="a">{timer("timeCycle", "R3/PT1M")}</bpmn:boundaryEvent>',
    )

    assert problems(content) == {"X": ["Interrupting timer event with time cycle is not allowed."]}


def test_two_error_boundary_events_with_the_same_code_are_rejected() -> None:
    content = process(
        service_task("X"),
        '<bpmn:boundaryEvent id="b1" attachedToRef="X">'
        '<bpmn:errorEventDefinition errorRef="E" /></bpmn:boundaryEvent>',
        '<bpmn:boundaryEvent id="b2" attachedToRef="X">'
        '<bpmn:errorEventDefinition errorRef="E" /></bpmn:boundaryEvent>',
        extra='<bpmn:error id="E" errorCode="DECLINED" />',
    )

    assert problems(content) == {
        "X": [
            "Multiple error catch events with the same error "
            "code 'DECLINED' are not supported on the same scope."
        ]
    }


def test_two_catch_all_error_boundary_events_are_rejected() -> None:
    content = process(
        service_task("X"),
        '<bpmn:boundaryEvent id="b1" attachedToRef="X"><bpmn:errorEventDefinition /></bpmn:boundaryEvent>',
        '<bpmn:boundaryEvent id="b2" attachedToRef="X"><bpmn:errorEventDefinition /></bpmn:boundaryEvent>',
    )

    assert "can not contain more than one error catch event without error code" in problems(content)["X"][0]


def test_two_message_boundary_events_with_the_same_name_are_rejected() -> None:
    content = process(
        service_task("X"),
        '<bpmn:boundaryEvent id="b1" attachedToRef="X">'
        '<bpmn:messageEventDefinition messageRef="M1" /></bpmn:boundaryEvent>',
        '<bpmn:boundaryEvent id="b2" attachedToRef="X">'
        '<bpmn:messageEventDefinition messageRef="M2" /></bpmn:boundaryEvent>',
        extra=message("M1", "cancel") + message("M2", "cancel"),
    )

    assert problems(content) == {
        "X": ["Multiple message event definitions with the same name 'cancel' are not allowed."]
    }


# -- Errors, messages, signals -------------------------------------------------------------------------


def test_error_end_event_without_error_ref_is_rejected() -> None:
    content = process('<bpmn:endEvent id="X"><bpmn:errorEventDefinition /></bpmn:endEvent>')

    assert problems(content) == {"X": ["Must reference an error"]}


def test_error_end_event_whose_error_has_no_code_is_rejected() -> None:
    content = process(
        '<bpmn:endEvent id="X"><bpmn:errorEventDefinition errorRef="E" /></bpmn:endEvent>',
        extra='<bpmn:error id="E" name="no code" />',
    )

    assert problems(content) == {"X": ["ErrorCode must be present and not empty"]}


def test_error_catch_event_with_an_error_code_expression_is_rejected() -> None:
    content = process(
        service_task("a"),
        '<bpmn:boundaryEvent id="X" attachedToRef="a">'
        '<bpmn:errorEventDefinition errorRef="E" /></bpmn:boundaryEvent>',
        extra='<bpmn:error id="E" errorCode="=code" />',
    )

    assert problems(content) == {
        "X": ["The errorCode of the error catch event is not allowed to be an expression"]
    }


def test_message_catch_event_without_message_ref_is_rejected() -> None:
    content = process(
        '<bpmn:intermediateCatchEvent id="X"><bpmn:messageEventDefinition /></bpmn:intermediateCatchEvent>'
    )

    assert problems(content) == {"X": ["Must reference a message"]}


def test_receive_task_without_message_ref_is_rejected() -> None:
    assert problems(process('<bpmn:receiveTask id="X" />')) == {"X": ["Must reference a message"]}


def test_message_without_name_is_rejected() -> None:
    content = process('<bpmn:receiveTask id="wait" messageRef="M" />', extra=message("M", name=""))

    assert problems(content) == {"M": ["Name must be present and not empty"]}


def test_message_catch_without_subscription_is_rejected() -> None:
    content = process(
        '<bpmn:receiveTask id="wait" messageRef="M" />', extra=message("M", correlation_key=None)
    )

    assert problems(content) == {"M": ["Must have exactly one zeebe:subscription extension element"]}


def test_message_catch_with_empty_correlation_key_is_rejected() -> None:
    content = process('<bpmn:receiveTask id="wait" messageRef="M" />', extra=message("M", correlation_key=""))

    assert problems(content) == {
        "M > extensionElements > subscription": ["Attribute 'correlationKey' must be present and not empty"]
    }


def test_static_correlation_key_is_rejected() -> None:
    content = process(
        '<bpmn:receiveTask id="wait" messageRef="M" />', extra=message("M", correlation_key="order-1")
    )

    assert problems(content)["M > extensionElements > subscription"][0].startswith(
        "Expected expression but found static value 'order-1'."
    )


def test_invalid_feel_in_a_message_name_is_rejected() -> None:
    content = process('<bpmn:receiveTask id="wait" messageRef="M" />', extra=message("M", name="=(paid"))

    assert problems(content)["M"][0].startswith("failed to parse expression")


def test_message_start_event_name_must_be_constant() -> None:
    content = process(
        '<bpmn:startEvent id="X"><bpmn:messageEventDefinition messageRef="M" /></bpmn:startEvent>',
        extra=message("M", name="=unknownVariable", correlation_key=None),
    )

    assert problems(content)["X"][0].startswith("Expected constant expression")


def test_two_message_start_events_with_the_same_name_are_rejected() -> None:
    content = process(
        '<bpmn:startEvent id="s1"><bpmn:messageEventDefinition messageRef="M1" /></bpmn:startEvent>',
        '<bpmn:startEvent id="s2"><bpmn:messageEventDefinition messageRef="M2" /></bpmn:startEvent>',
        extra=message("M1", "go", correlation_key=None) + message("M2", "go", correlation_key=None),
    )

    assert problems(content) == {
        "p": ["Multiple message event definitions with the same name 'go' are not allowed."]
    }


def test_receive_task_and_its_boundary_event_with_the_same_message_name_are_rejected() -> None:
    content = process(
        '<bpmn:receiveTask id="X" messageRef="M1" />',
        '<bpmn:boundaryEvent id="b" attachedToRef="X">'
        '<bpmn:messageEventDefinition messageRef="M2" /></bpmn:boundaryEvent>',
        extra=message("M1", "paid") + message("M2", "paid"),
    )

    assert problems(content) == {"X": ["Cannot reference the same message name as a boundary event"]}


def test_signal_without_name_is_rejected() -> None:
    content = process(
        '<bpmn:intermediateCatchEvent id="c"><bpmn:signalEventDefinition '
        'signalRef="S" /></bpmn:intermediateCatchEvent>',
        extra='<bpmn:signal id="S" />',
    )

    assert problems(content) == {"S": ["Name must be present and not empty"]}


# -- Timers --------------------------------------------------------------------------------------------


def test_invalid_static_duration_is_rejected() -> None:
    content = process(
        f'<bpmn:intermediateCatchEvent id="X">{timer("timeDuration", "PT5X")}</bpmn:intermediateCatchEvent>'
    )

    (found,) = problems(content)["X"]
    assert found.startswith("Invalid timer duration expression (")
    assert "PT5X" in found


def test_invalid_static_date_is_rejected() -> None:
    content = process(
        f'<bpmn:intermediateCatchEvent id="X">{timer("timeDate", "tomorrow")}</bpmn:intermediateCatchEvent>'
    )

    assert problems(content)["X"][0].startswith("Invalid timer date expression (")


def test_invalid_static_cycle_is_rejected() -> None:
    content = process(
        service_task("a"),
        f'<bpmn:boundaryEvent id="X" cancelActivity="false" attachedToRef="a">{timer("timeCycle", "R3/PT")}'
        "</bpmn:boundaryEvent>",
    )

    assert problems(content)["X"][0].startswith("Invalid timer cycle expression (")


def test_invalid_feel_in_a_timer_is_rejected() -> None:
    content = process(
        "<bpmn:intermediateCatchEvent "
        f'id="X">{timer("timeDuration", "=(delay")}</bpmn:intermediateCatchEvent>'
    )

    assert problems(content)["X"][0].startswith("failed to parse expression")


def test_timer_start_event_expression_that_yields_no_timer_is_rejected_at_deployment() -> None:
    content = process(f'<bpmn:startEvent id="X">{timer("timeCycle", "=missingVariable")}</bpmn:startEvent>')

    assert problems(content)["X"][0].startswith("Invalid timer cycle expression (")


def test_timer_with_two_kinds_is_rejected() -> None:
    content = process(
        '<bpmn:intermediateCatchEvent id="X"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>PT1M</bpmn:timeDuration>"
        "<bpmn:timeDate>2025-01-01T00:00:00Z</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
    )

    assert problems(content) == {
        "X": ["Must be exactly one type of timer: timeDuration, timeDate or timeCycle"]
    }


def test_intermediate_timer_catch_event_with_cycle_is_rejected() -> None:
    content = process(
        f'<bpmn:intermediateCatchEvent id="X">{timer("timeCycle", "R2/PT1M")}</bpmn:intermediateCatchEvent>'
    )

    assert problems(content) == {
        "X": ["Intermediate timer catch event must have either a time duration or a time date."]
    }


# -- Compensation --------------------------------------------------------------------------------------

_HANDLER = service_task("handler", attrs='isForCompensation="true"')
_COMPENSATION_BOUNDARY = (
    '<bpmn:boundaryEvent id="comp" attachedToRef="work">'
    "<bpmn:compensateEventDefinition /></bpmn:boundaryEvent>"
)
_ASSOCIATION = '<bpmn:association id="assoc" sourceRef="comp" targetRef="handler" />'


def test_compensation_boundary_event_without_association_is_rejected() -> None:
    content = process(service_task("work"), _COMPENSATION_BOUNDARY, _HANDLER)

    assert problems(content) == {
        "comp": [
            "Compensation boundary events must have a compensation association and no outgoing sequence flows"
        ]
    }


def test_compensation_boundary_event_with_outgoing_flow_is_rejected() -> None:
    content = process(
        service_task("work"), _COMPENSATION_BOUNDARY, _HANDLER, _ASSOCIATION, END, flow("f", "comp", "end")
    )

    assert problems(content) == {
        "comp": [
            "Compensation boundary events must have a compensation association and no outgoing sequence flows"
        ]
    }


def test_compensation_handler_without_is_for_compensation_is_rejected() -> None:
    content = process(service_task("work"), _COMPENSATION_BOUNDARY, service_task("handler"), _ASSOCIATION)

    assert problems(content) == {
        "comp": ["The compensation handler 'handler' must be an activity with isForCompensation=\"true\""]
    }


def test_compensation_handler_with_incoming_flow_is_rejected() -> None:
    content = process(
        service_task("work"), _COMPENSATION_BOUNDARY, _HANDLER, _ASSOCIATION, flow("f", "start", "handler")
    )

    assert problems(content) == {"handler": ["A compensation handler should have no incoming sequence flows"]}


def test_compensation_handler_with_outgoing_flow_is_rejected() -> None:
    content = process(
        service_task("work"), _COMPENSATION_BOUNDARY, _HANDLER, _ASSOCIATION, END, flow("f", "handler", "end")
    )

    assert problems(content) == {"handler": ["A compensation handler should have no outgoing sequence flows"]}


def test_compensation_handler_with_boundary_event_is_rejected() -> None:
    content = process(
        service_task("work"),
        _COMPENSATION_BOUNDARY,
        _HANDLER,
        _ASSOCIATION,
        '<bpmn:boundaryEvent id="late" '
        f'attachedToRef="handler">{timer("timeDuration", "PT1M")}</bpmn:boundaryEvent>',
    )

    assert problems(content) == {"handler": ["A compensation handler should have no boundary events"]}


def test_compensation_handler_must_be_a_supported_activity() -> None:
    content = process(
        service_task("work"),
        _COMPENSATION_BOUNDARY,
        '<bpmn:receiveTask id="handler" messageRef="M" isForCompensation="true" />',
        _ASSOCIATION,
        extra=message("M"),
    )

    assert problems(content) == {
        "handler": ["Compensation task must be one of: service task, send task, script task, or subprocess."]
    }


@pytest.mark.parametrize("tag", ["endEvent", "intermediateThrowEvent"])
def test_compensation_throw_that_does_not_wait_for_completion_is_rejected(tag: str) -> None:
    content = process(
        f'<bpmn:{tag} id="X"><bpmn:compensateEventDefinition waitForCompletion="false" /></bpmn:{tag}>'
    )

    (found,) = problems(content)["X"]
    assert found.endswith("waitForCompletion attribute must be true or not present")


def test_compensation_activity_ref_to_an_unknown_activity_is_rejected() -> None:
    content = process(
        '<bpmn:endEvent id="X"><bpmn:compensateEventDefinition activityRef="ghost" /></bpmn:endEvent>'
    )

    assert problems(content) == {"X": ["The referenced compensation activity 'ghost' doesn't exist"]}


def test_compensation_activity_ref_to_an_activity_without_compensation_is_rejected() -> None:
    content = process(
        service_task("work"),
        '<bpmn:endEvent id="X"><bpmn:compensateEventDefinition activityRef="work" /></bpmn:endEvent>',
    )

    assert problems(content) == {
        "X": [
            "The referenced compensation activity 'work' must have "
            "either a compensation boundary event or be a subprocess"
        ]
    }


def test_compensation_activity_ref_to_another_scope_is_rejected() -> None:
    content = process(
        '<bpmn:subProcess id="sub"><bpmn:startEvent id="s2" />'
        + service_task("work")
        + _COMPENSATION_BOUNDARY
        + _HANDLER
        + _ASSOCIATION
        + "</bpmn:subProcess>",
        '<bpmn:endEvent id="X"><bpmn:compensateEventDefinition activityRef="work" /></bpmn:endEvent>',
    )

    assert problems(content) == {
        "X": [
            "The referenced compensation activity 'work' must "
            "be in the same scope as the compensation throw event"
        ]
    }


def test_compensation_throw_in_event_subprocess_may_reference_the_enclosing_scope() -> None:
    content = process(
        service_task("work"),
        _COMPENSATION_BOUNDARY,
        _HANDLER,
        _ASSOCIATION,
        '<bpmn:subProcess id="onError" triggeredByEvent="true">'
        '<bpmn:startEvent id="err"><bpmn:errorEventDefinition /></bpmn:startEvent>'
        '<bpmn:endEvent id="undo"><bpmn:compensateEventDefinition activityRef="work" /></bpmn:endEvent>'
        + flow("f", "err", "undo")
        + "</bpmn:subProcess>",
    )

    from tests.unit.engine.bpmn.bpmn_xml import parse_one

    assert parse_one(content).element("undo").compensation_activity_ref == "work"


# -- Gateways ------------------------------------------------------------------------------------------


def test_default_flow_that_does_not_leave_the_gateway_is_rejected() -> None:
    content = process(
        '<bpmn:exclusiveGateway id="X" default="f0" />', END, flow("f0", "start", "X"), flow("f1", "X", "end")
    )

    assert problems(content) == {"X": ["Default flow must start at gateway"]}


def test_default_flow_with_a_condition_is_rejected() -> None:
    content = process(
        '<bpmn:exclusiveGateway id="X" default="f2" />',
        END,
        service_task("a"),
        flow("f0", "start", "X"),
        flow("f1", "X", "a", "=ok"),
        flow("f2", "X", "end", "=not(ok)"),
    )

    assert problems(content) == {"X": ["The default flow 'f2' must not have a condition"]}


def test_unconditional_flow_of_a_branching_exclusive_gateway_is_rejected() -> None:
    content = process(
        '<bpmn:exclusiveGateway id="gw" />',
        END,
        service_task("a"),
        flow("f0", "start", "gw"),
        flow("f1", "gw", "a", "=ok"),
        flow("X", "gw", "end"),
    )

    assert problems(content) == {"X": ["Must have a condition or be default flow"]}


def test_event_based_gateway_with_one_outgoing_flow_is_rejected() -> None:
    content = process(
        '<bpmn:eventBasedGateway id="X" />',
        f'<bpmn:intermediateCatchEvent id="t">{timer("timeDuration", "PT1M")}</bpmn:intermediateCatchEvent>',
        flow("f0", "start", "X"),
        flow("f1", "X", "t"),
    )

    assert problems(content) == {"X": ["Event-based gateway must have at least 2 outgoing sequence flows."]}


def test_event_based_gateway_leading_to_a_task_is_rejected() -> None:
    content = process(
        '<bpmn:eventBasedGateway id="X" />',
        f'<bpmn:intermediateCatchEvent id="t">{timer("timeDuration", "PT1M")}</bpmn:intermediateCatchEvent>',
        service_task("a"),
        flow("f0", "start", "X"),
        flow("f1", "X", "t"),
        flow("f2", "X", "a"),
    )

    assert problems(content) == {
        "X": [
            "Event-based gateway must not have an outgoing sequence flow to other elements than "
            "message/timer intermediate catch events."
        ]
    }


def test_event_based_gateway_target_with_another_incoming_flow_is_rejected() -> None:
    content = process(
        '<bpmn:eventBasedGateway id="X" />',
        f'<bpmn:intermediateCatchEvent id="t1">{timer("timeDuration", "PT1M")}</bpmn:intermediateCatchEvent>',
        f'<bpmn:intermediateCatchEvent id="t2">{timer("timeDuration", "PT2M")}</bpmn:intermediateCatchEvent>',
        flow("f0", "start", "X"),
        flow("f1", "X", "t1"),
        flow("f2", "X", "t2"),
        flow("f3", "start", "t2"),
    )

    assert problems(content) == {
        "X": [
            "Target elements of an event gateway must not have "
            "any additional incoming sequence flows other than "
            "that from the event gateway."
        ]
    }


# -- Multi-instance ------------------------------------------------------------------------------------


def _multi_instance(loop: str, inner: str = "") -> bytes:
    return process(
        service_task(
            "X",
            inner=f"<bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements>{loop}</bpmn:extensionElements>"
            f"{inner}</bpmn:multiInstanceLoopCharacteristics>",
        )
    )


def test_multi_instance_without_input_collection_is_rejected() -> None:
    content = _multi_instance('<zeebe:loopCharacteristics inputElement="item" />')

    assert problems(content) == {
        "X > multiInstanceLoopCharacteristics > extensionElements > loopCharacteristics": [
            "Attribute 'inputCollection' must be present and not empty"
        ]
    }


def test_multi_instance_without_zeebe_loop_characteristics_is_rejected() -> None:
    assert problems(_multi_instance("")) == {
        "X > multiInstanceLoopCharacteristics": [
            "Must have exactly one 'zeebe:loopCharacteristics' extension element"
        ]
    }


def test_multi_instance_with_static_input_collection_is_rejected() -> None:
    found = problems(_multi_instance('<zeebe:loopCharacteristics inputCollection="items" />'))

    assert found["X > multiInstanceLoopCharacteristics > extensionElements > loopCharacteristics"][
        0
    ].startswith("Expected expression but found static value 'items'.")


def test_multi_instance_output_collection_without_output_element_is_rejected() -> None:
    found = problems(
        _multi_instance('<zeebe:loopCharacteristics inputCollection="=items" outputCollection="out" />')
    )

    assert found == {
        "X > multiInstanceLoopCharacteristics > extensionElements > loopCharacteristics": [
            "Attribute 'outputElement' must be present if the attribute 'outputCollection' is set"
        ]
    }


def test_invalid_feel_in_a_completion_condition_is_rejected() -> None:
    found = problems(
        _multi_instance(
            '<zeebe:loopCharacteristics inputCollection="=items" />',
            "<bpmn:completionCondition>=done and</bpmn:completionCondition>",
        )
    )

    assert found["X > multiInstanceLoopCharacteristics > completionCondition"][0].startswith(
        "failed to parse expression"
    )
