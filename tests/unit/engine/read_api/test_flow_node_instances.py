from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.unit.engine.read_api.conftest import T0, History


def search(client: TestClient, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.post("/v1/flownode-instances/search", json=body or {})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def item(client: TestClient, key: int) -> dict[str, Any]:
    response = client.get(f"/v1/flownode-instances/{key}")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture
def instance(history: History) -> int:
    history.definition(1)
    history.instance(100)
    history.flow_node(100, 100, "checkout", type_="PROCESS")
    return 100


def test_search_returns_flow_nodes_with_operate_fields(
    client: TestClient, history: History, instance: int
) -> None:
    history.flow_node(101, instance, "charge", state="COMPLETED", start=T0, end=T0 + 2)

    assert search(client)["items"] == [
        {
            "key": 101,
            "processInstanceKey": 100,
            "processDefinitionKey": 1,
            "startDate": "2024-01-01T10:00:00.000+0000",
            "endDate": "2024-01-01T10:00:02.000+0000",
            "flowNodeId": "charge",
            "flowNodeName": "Charge payment",
            "incidentKey": None,
            "type": "SERVICE_TASK",
            "state": "COMPLETED",
            "incident": False,
            "tenantId": "<default>",
            "compensatedFlowNodeId": None,
            "compensatedFlowNodeInstanceKey": None,
        }
    ]


def test_process_itself_is_not_a_flow_node_instance(
    client: TestClient, history: History, instance: int
) -> None:
    history.flow_node(101, instance, "start", type_="START_EVENT", state="COMPLETED")

    result = search(client)

    assert [i["flowNodeId"] for i in result["items"]] == ["start"]
    assert result["total"] == 1


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("ACTIVATING", "ACTIVE"),
        ("ACTIVATED", "ACTIVE"),
        ("COMPLETING", "ACTIVE"),
        ("COMPLETED", "COMPLETED"),
        ("TERMINATING", "TERMINATED"),
        ("TERMINATED", "TERMINATED"),
    ],
)
def test_element_state_is_shown_as_operate_state(
    client: TestClient, history: History, instance: int, stored: str, shown: str
) -> None:
    history.flow_node(101, instance, "charge", state=stored)

    assert item(client, 101)["state"] == shown


def test_active_filter_matches_every_unfinished_element_state(
    client: TestClient, history: History, instance: int
) -> None:
    for key, state in enumerate(
        ["ACTIVATING", "ACTIVATED", "COMPLETING", "COMPLETED", "TERMINATED"], start=101
    ):
        history.flow_node(key, instance, "charge", state=state)

    result = search(client, {"filter": {"state": "ACTIVE"}})

    assert [i["key"] for i in result["items"]] == [101, 102, 103]
    assert result["total"] == 3


def test_terminated_filter_matches_terminating_elements(
    client: TestClient, history: History, instance: int
) -> None:
    history.flow_node(101, instance, "charge", state="TERMINATING")
    history.flow_node(102, instance, "charge", state="ACTIVATED")

    assert [i["key"] for i in search(client, {"filter": {"state": "TERMINATED"}})["items"]] == [101]


def test_unknown_state_filter_matches_nothing(client: TestClient, history: History, instance: int) -> None:
    history.flow_node(101, instance, "charge", state="ACTIVATED")

    assert search(client, {"filter": {"state": "ACTIVATED"}})["items"] == []


def test_flow_node_without_name_has_null_name(client: TestClient, history: History, instance: int) -> None:
    history.flow_node(101, instance, "gateway", type_="EXCLUSIVE_GATEWAY")

    assert item(client, 101)["flowNodeName"] is None


def test_flow_node_names_come_from_each_definition(
    client: TestClient, history: History, instance: int
) -> None:
    renamed = b"""<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">
      <process id="checkout"><serviceTask id="charge" name="Charge card v2" /></process></definitions>"""
    history.definition(2, version=2, resource=renamed)
    history.instance(200, definition_key=2, version=2)
    history.flow_node(101, instance, "charge")
    history.flow_node(201, 200, "charge", definition_key=2)

    assert [i["flowNodeName"] for i in search(client)["items"]] == ["Charge payment", "Charge card v2"]


def test_search_filters_by_flow_node_name(client: TestClient, history: History, instance: int) -> None:
    history.flow_node(101, instance, "start", type_="START_EVENT")
    history.flow_node(102, instance, "charge")

    result = search(client, {"filter": {"flowNodeName": "Charge payment"}})

    assert [i["key"] for i in result["items"]] == [102]


def test_search_sorts_by_flow_node_name(client: TestClient, history: History, instance: int) -> None:
    history.flow_node(101, instance, "start", type_="START_EVENT")
    history.flow_node(102, instance, "charge")
    history.flow_node(103, instance, "gateway", type_="EXCLUSIVE_GATEWAY")

    result = search(client, {"sort": [{"field": "flowNodeName", "order": "ASC"}]})

    assert [i["flowNodeName"] for i in result["items"]] == [None, "Charge payment", "Order placed"]


def test_search_filters_by_process_instance(client: TestClient, history: History, instance: int) -> None:
    history.instance(200)
    history.flow_node(101, instance, "charge")
    history.flow_node(201, 200, "charge")

    result = search(client, {"filter": {"processInstanceKey": 200}})

    assert [i["key"] for i in result["items"]] == [201]


def test_search_filters_by_type(client: TestClient, history: History, instance: int) -> None:
    history.flow_node(101, instance, "start", type_="START_EVENT")
    history.flow_node(102, instance, "charge", type_="SERVICE_TASK")

    assert [i["key"] for i in search(client, {"filter": {"type": "START_EVENT"}})["items"]] == [101]


def test_element_with_active_incident_has_incident_flag(
    client: TestClient, history: History, instance: int
) -> None:
    history.incident(900, instance, flow_node_instance_key=101, state="ACTIVE")
    history.flow_node(101, instance, "charge", incident_key=900)

    shown = item(client, 101)

    assert shown["incident"] is True
    assert shown["incidentKey"] == 900


def test_element_with_resolved_incident_has_no_incident_flag(
    client: TestClient, history: History, instance: int
) -> None:
    history.incident(900, instance, flow_node_instance_key=101, state="RESOLVED")
    history.flow_node(101, instance, "charge", incident_key=900)

    assert item(client, 101)["incident"] is False


def test_search_filters_by_incident_flag(client: TestClient, history: History, instance: int) -> None:
    history.incident(900, instance, flow_node_instance_key=101, state="ACTIVE")
    history.incident(901, instance, flow_node_instance_key=102, state="RESOLVED")
    history.flow_node(101, instance, "charge", incident_key=900)
    history.flow_node(102, instance, "charge", incident_key=901)
    history.flow_node(103, instance, "charge")

    assert [i["key"] for i in search(client, {"filter": {"incident": True}})["items"]] == [101]
    assert [i["key"] for i in search(client, {"filter": {"incident": False}})["items"]] == [102, 103]


def test_compensation_handler_shows_the_activity_it_compensated(
    client: TestClient, history: History, instance: int
) -> None:
    history.flow_node(101, instance, "charge", state="COMPLETED")
    history.flow_node(
        102, instance, "refund", state="COMPLETED", compensated_id="charge", compensated_key=101
    )

    shown = item(client, 102)

    assert shown["flowNodeName"] == "Refund payment"
    assert shown["compensatedFlowNodeId"] == "charge"
    assert shown["compensatedFlowNodeInstanceKey"] == 101


def test_search_filters_compensation_handlers_by_compensated_activity(
    client: TestClient, history: History, instance: int
) -> None:
    history.flow_node(101, instance, "charge", state="COMPLETED")
    history.flow_node(102, instance, "refund", compensated_id="charge", compensated_key=101)
    history.flow_node(103, instance, "refund", compensated_id="charge", compensated_key=999)

    result = search(client, {"filter": {"compensatedFlowNodeInstanceKey": 101}})

    assert [i["key"] for i in result["items"]] == [102]


def test_get_unknown_flow_node_instance_is_404_problem(client: TestClient, history: History) -> None:
    response = client.get("/v1/flownode-instances/42")

    assert response.status_code == 404
    assert response.json()["detail"] == "No flownode instance found for key 42"


def test_get_does_not_return_the_process_row(client: TestClient, history: History, instance: int) -> None:
    assert client.get(f"/v1/flownode-instances/{instance}").status_code == 404
