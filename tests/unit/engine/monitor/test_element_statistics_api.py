"""``GET /monitor/api/instances/{key}/elements``: what the diagram of one instance is drawn from."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.unit.engine.read_api.conftest import History


def elements(client: TestClient, key: int) -> dict[str, Any]:
    response = client.get(f"/monitor/api/instances/{key}/elements")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def counts(
    active: int = 0, completed: int = 0, terminated: int = 0, incident: int = 0, compensated: int = 0
) -> dict[str, int]:
    return {
        "active": active,
        "completed": completed,
        "terminated": terminated,
        "incident": incident,
        "compensated": compensated,
    }


def test_element_instances_are_counted_per_state(client: TestClient, history: History) -> None:
    history.definition(1)
    history.instance(10)
    history.flow_node(11, 10, "start", type_="START_EVENT", state="COMPLETED")
    history.flow_node(12, 10, "charge", state="COMPLETED")
    history.flow_node(13, 10, "charge", state="ACTIVATED")
    history.flow_node(14, 10, "gateway", state="TERMINATED")

    assert elements(client, 10)["elements"] == {
        "start": counts(completed=1),
        "charge": counts(active=1, completed=1),
        "gateway": counts(terminated=1),
    }


def test_an_active_incident_is_counted_on_its_element(client: TestClient, history: History) -> None:
    history.definition(1)
    history.instance(10, incident=True)
    history.flow_node(12, 10, "charge", incident_key=100)
    history.incident(100, 10, flow_node_instance_key=12)
    history.incident(101, 10, flow_node_instance_key=12, state="RESOLVED")

    assert elements(client, 10)["elements"]["charge"] == counts(active=1, incident=1)


def test_an_activity_is_compensated_once_its_handler_completed(client: TestClient, history: History) -> None:
    history.definition(1)
    history.instance(10)
    history.flow_node(12, 10, "charge", state="COMPLETED")
    history.flow_node(
        13,
        10,
        "charge_compensation",
        type_="BOUNDARY_EVENT",
        state="COMPLETED",
        compensated_id="charge",
        compensated_key=12,
    )
    history.flow_node(14, 10, "refund", state="COMPLETED", compensated_id="charge", compensated_key=12)

    assert elements(client, 10)["elements"]["charge"] == counts(completed=1, compensated=1)


def test_an_activity_whose_handler_still_runs_is_not_compensated_yet(
    client: TestClient, history: History
) -> None:
    history.definition(1)
    history.instance(10)
    history.flow_node(12, 10, "charge", state="COMPLETED")
    history.flow_node(
        13,
        10,
        "charge_compensation",
        type_="BOUNDARY_EVENT",
        state="COMPLETED",
        compensated_id="charge",
        compensated_key=12,
    )
    history.flow_node(14, 10, "refund", state="ACTIVATED", compensated_id="charge", compensated_key=12)

    assert elements(client, 10)["elements"]["charge"] == counts(completed=1)


def test_taken_sequence_flows_come_with_their_counts(client: TestClient, history: History) -> None:
    history.definition(1)
    history.instance(10)
    history.db.execute(
        "UPDATE process_instances SET taken_flows = ? WHERE key = 10", ('{"start_to_charge": 2}',)
    )

    assert elements(client, 10)["takenFlows"] == {"start_to_charge": 2}


def test_an_unknown_instance_is_not_found(client: TestClient, history: History) -> None:
    response = client.get("/monitor/api/instances/999/elements")

    assert response.status_code == 404
