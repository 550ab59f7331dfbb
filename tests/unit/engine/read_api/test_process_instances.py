from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.unit.engine.read_api.conftest import T0, History


def search(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/v1/process-instances/search", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def keys(result: dict[str, Any]) -> list[int]:
    return [item["key"] for item in result["items"]]


def test_search_returns_instances_with_operate_fields(client: TestClient, history: History) -> None:
    history.instance(10, state="COMPLETED", start=T0, end=T0 + 61.5)

    result = search(client, {})

    assert result["items"] == [
        {
            "key": 10,
            "processVersion": 1,
            "bpmnProcessId": "checkout",
            "parentKey": None,
            "parentFlowNodeInstanceKey": None,
            "startDate": "2024-01-01T10:00:00.000+0000",
            "endDate": "2024-01-01T10:01:01.500+0000",
            "state": "COMPLETED",
            "incident": False,
            "processDefinitionKey": 1,
            "tenantId": "<default>",
        }
    ]


def test_active_instance_has_no_end_date(client: TestClient, history: History) -> None:
    history.instance(10, state="ACTIVE")

    assert search(client, {})["items"][0]["endDate"] is None


def test_instance_with_open_incident_has_incident_flag(client: TestClient, history: History) -> None:
    history.instance(10, incident=True)

    assert search(client, {})["items"][0]["incident"] is True


def test_search_filters_by_state(client: TestClient, history: History) -> None:
    history.instance(10, state="ACTIVE")
    history.instance(20, state="COMPLETED")
    history.instance(30, state="CANCELED")

    assert keys(search(client, {"filter": {"state": "CANCELED"}})) == [30]


def test_search_filters_by_several_fields_together(client: TestClient, history: History) -> None:
    history.instance(10, definition_key=1, state="ACTIVE")
    history.instance(20, definition_key=2, state="ACTIVE")
    history.instance(30, definition_key=2, state="COMPLETED")

    result = search(client, {"filter": {"processDefinitionKey": 2, "state": "ACTIVE"}})

    assert keys(result) == [20]


def test_search_accepts_keys_as_strings(client: TestClient, history: History) -> None:
    history.instance(2251799813685249)
    history.instance(2251799813685250)

    result = search(client, {"filter": {"key": "2251799813685250"}})

    assert keys(result) == [2251799813685250]


def test_search_filters_by_incident_flag(client: TestClient, history: History) -> None:
    history.instance(10, incident=False)
    history.instance(20, incident=True)

    assert keys(search(client, {"filter": {"incident": True}})) == [20]


def test_search_ignores_null_filter_values(client: TestClient, history: History) -> None:
    history.instance(10)

    assert keys(search(client, {"filter": {"endDate": None, "state": None}})) == [10]


def test_search_filters_by_start_date_to_the_millisecond(client: TestClient, history: History) -> None:
    history.instance(10, start=T0 + 0.1234)
    history.instance(20, start=T0 + 0.125)

    result = search(client, {"filter": {"startDate": "2024-01-01T10:00:00.123+0000"}})

    assert keys(result) == [10]


def test_tenant_filter_matches_the_default_tenant_only(client: TestClient, history: History) -> None:
    history.instance(10)

    assert keys(search(client, {"filter": {"tenantId": "<default>"}})) == [10]
    assert keys(search(client, {"filter": {"tenantId": "other"}})) == []


def test_default_page_size_is_ten(client: TestClient, history: History) -> None:
    for key in range(1, 16):
        history.instance(key)

    result = search(client, {})

    assert keys(result) == list(range(1, 11))


def test_total_counts_all_matches_not_only_the_page(client: TestClient, history: History) -> None:
    for key in range(1, 16):
        history.instance(key, state="ACTIVE" if key % 3 else "COMPLETED")

    result = search(client, {"filter": {"state": "ACTIVE"}, "size": 2})

    assert len(keys(result)) == 2
    assert result["total"] == 10


def test_sort_values_are_the_last_items_sort_values(client: TestClient, history: History) -> None:
    history.instance(10, start=T0 + 5)
    history.instance(20, start=T0 + 1)

    result = search(client, {"sort": [{"field": "startDate", "order": "DESC"}]})

    assert keys(result) == [10, 20]
    assert result["sortValues"] == [T0 + 1, 20]


def test_empty_result_has_no_sort_values(client: TestClient, history: History) -> None:
    result = search(client, {})

    assert result == {"items": [], "total": 0, "sortValues": []}


def test_get_returns_the_instance(client: TestClient, history: History) -> None:
    history.instance(10, state="CANCELED", end=T0 + 1)

    response = client.get("/v1/process-instances/10")

    assert response.status_code == 200
    assert response.json()["state"] == "CANCELED"


def test_get_unknown_instance_is_404_problem(client: TestClient, history: History) -> None:
    response = client.get("/v1/process-instances/123")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "No process instances found for key 123",
        "instance": "/v1/process-instances/123",
        "message": "No process instances found for key 123",
    }
