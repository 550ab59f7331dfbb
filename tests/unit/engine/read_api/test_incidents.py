from __future__ import annotations

from fastapi.testclient import TestClient

from tests.unit.engine.read_api.conftest import T0, History


def test_search_returns_incidents_with_operate_fields(client: TestClient, history: History) -> None:
    history.incident(900, 100, flow_node_id="charge", flow_node_instance_key=101, job_key=555, created=T0 + 3)

    response = client.post("/v1/incidents/search", json={})

    assert response.json()["items"] == [
        {
            "key": 900,
            "processDefinitionKey": 1,
            "processInstanceKey": 100,
            "type": "JOB_NO_RETRIES",
            "message": "No more retries left.",
            "creationTime": "2024-01-01T10:00:03.000+0000",
            "state": "ACTIVE",
            "jobKey": 555,
            "tenantId": "<default>",
            "flowNodeId": "charge",
            "flowNodeInstanceKey": 101,
        }
    ]


def test_incident_without_job_has_null_job_key(client: TestClient, history: History) -> None:
    history.incident(900, 100, type_="IO_MAPPING_ERROR", job_key=None)

    assert client.get("/v1/incidents/900").json()["jobKey"] is None


def test_search_filters_by_state(client: TestClient, history: History) -> None:
    history.incident(900, 100, state="RESOLVED")
    history.incident(901, 100, state="ACTIVE")

    response = client.post("/v1/incidents/search", json={"filter": {"state": "ACTIVE"}})

    assert [i["key"] for i in response.json()["items"]] == [901]


def test_search_filters_by_process_instance_and_type(client: TestClient, history: History) -> None:
    history.incident(900, 100, type_="JOB_NO_RETRIES")
    history.incident(901, 100, type_="UNHANDLED_ERROR_EVENT")
    history.incident(902, 200, type_="UNHANDLED_ERROR_EVENT")

    response = client.post(
        "/v1/incidents/search", json={"filter": {"processInstanceKey": 100, "type": "UNHANDLED_ERROR_EVENT"}}
    )

    assert [i["key"] for i in response.json()["items"]] == [901]


def test_search_sorts_by_creation_time(client: TestClient, history: History) -> None:
    history.incident(900, 100, created=T0 + 2)
    history.incident(901, 100, created=T0 + 1)

    response = client.post("/v1/incidents/search", json={"sort": [{"field": "creationTime", "order": "ASC"}]})

    assert [i["key"] for i in response.json()["items"]] == [901, 900]


def test_get_unknown_incident_is_404_problem(client: TestClient, history: History) -> None:
    response = client.get("/v1/incidents/1")

    assert response.status_code == 404
    assert response.json()["detail"] == "No incident found for key 1"
