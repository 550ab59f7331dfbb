"""Runtime state survives the JSON round trip the store makes at every flush and every restart."""

from __future__ import annotations

import json

from engine.runtime.state import (
    BufferedMessage,
    CompensationSubscription,
    ElementInstance,
    ElementState,
    Incident,
    IncidentType,
    InstanceState,
    Job,
    JobState,
    MessageSubscription,
    ProcessInstance,
    Timer,
)


def full_instance() -> ProcessInstance:
    instance = ProcessInstance(
        key=10, definition_key=1, bpmn_process_id="p", version=2, state=InstanceState.ACTIVE
    )
    instance.elements[11] = ElementInstance(
        key=11,
        element_id="task",
        element_type="SERVICE_TASK",
        flow_scope_key=10,
        state=ElementState.ACTIVATED,
    )
    instance.variables[10] = {"amount": 5, "nested": {"a": [1, 2]}}
    instance.jobs[12] = Job(12, "work", 10, 11, "task", 3, {"h": "v"}, JobState.ACTIVATED, "w", 99.5)
    instance.timers[13] = Timer(13, 10, 11, "boundary", 100.0, None, "PT10S")
    instance.subscriptions[14] = MessageSubscription(14, 10, 11, "catch", "msg", "key-1")
    instance.compensations[15] = CompensationSubscription(15, "task", 11, 10, "undo", "compensate")
    instance.incidents[16] = Incident(16, IncidentType.JOB_NO_RETRIES, "boom", 10, 11, "task", 12)
    instance.finished_scopes[17] = (10, "sub")
    return instance


def round_trip(instance: ProcessInstance) -> ProcessInstance:
    return ProcessInstance.from_dict(json.loads(json.dumps(instance.to_dict())))


def test_a_process_instance_with_every_kind_of_record_round_trips_unchanged() -> None:
    instance = full_instance()

    assert round_trip(instance) == instance


def test_enums_come_back_as_enums_so_identity_checks_keep_working() -> None:
    restored = round_trip(full_instance())

    assert restored.state is InstanceState.ACTIVE
    assert restored.elements[11].state is ElementState.ACTIVATED
    assert restored.jobs[12].state is JobState.ACTIVATED
    assert restored.incidents[16].type is IncidentType.JOB_NO_RETRIES


def test_integer_keys_come_back_as_integers() -> None:
    restored = round_trip(full_instance())

    assert list(restored.variables) == [10]
    assert list(restored.finished_scopes) == [17]


def test_a_buffered_message_round_trips_unchanged() -> None:
    message = BufferedMessage(1, "msg", "key", {"x": 1}, 12.5, "id-1", ["p"])

    assert BufferedMessage.from_dict(json.loads(json.dumps(message.to_dict()))) == message
