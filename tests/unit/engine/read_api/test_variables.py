from __future__ import annotations

from fastapi.testclient import TestClient

from tests.unit.engine.read_api.conftest import History


def test_search_returns_variables_with_operate_fields(client: TestClient, history: History) -> None:
    history.variable(100, "order", '{"id":"o-1","total":12.5}')

    response = client.post("/v1/variables/search", json={})

    assert response.json() == {
        "items": [
            {
                "key": "100-order",
                "processInstanceKey": 100,
                "scopeKey": 100,
                "name": "order",
                "value": '{"id":"o-1","total":12.5}',
                "truncated": False,
                "tenantId": "<default>",
            }
        ],
        "total": 1,
        "sortValues": ["100-order"],
    }


def test_string_value_is_json_text(client: TestClient, history: History) -> None:
    history.variable(100, "status", '"PAID"')

    assert client.post("/v1/variables/search", json={}).json()["items"][0]["value"] == '"PAID"'


def test_local_variable_has_its_element_as_scope(client: TestClient, history: History) -> None:
    history.variable(101, "attempt", "2", instance_key=100)

    shown = client.post("/v1/variables/search", json={}).json()["items"][0]

    assert (shown["scopeKey"], shown["processInstanceKey"]) == (101, 100)


def test_search_filters_by_process_instance_and_name(client: TestClient, history: History) -> None:
    history.variable(100, "order", "1")
    history.variable(100, "payment", "2")
    history.variable(200, "order", "3")

    response = client.post(
        "/v1/variables/search", json={"filter": {"processInstanceKey": 100, "name": "order"}}
    )

    assert [v["key"] for v in response.json()["items"]] == ["100-order"]


def test_search_filters_by_key(client: TestClient, history: History) -> None:
    history.variable(100, "order-id", "1")
    history.variable(100, "order", "2")

    response = client.post("/v1/variables/search", json={"filter": {"key": "100-order-id"}})

    assert [v["name"] for v in response.json()["items"]] == ["order-id"]


def test_get_returns_the_variable(client: TestClient, history: History) -> None:
    history.variable(100, "order", "1")

    assert client.get("/v1/variables/100-order").json()["value"] == "1"


def test_get_unknown_variable_is_404_problem(client: TestClient, history: History) -> None:
    response = client.get("/v1/variables/100-missing")

    assert response.status_code == 404
    assert response.json()["detail"] == "No variable found for key 100-missing"


def test_malformed_variable_key_is_400_problem(client: TestClient, history: History) -> None:
    response = client.get("/v1/variables/order")

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
