from __future__ import annotations

from fastapi.testclient import TestClient

from tests.unit.engine.read_api.conftest import CHECKOUT_BPMN, History


def test_search_returns_definitions_with_operate_fields(client: TestClient, history: History) -> None:
    history.definition(1, version=1)

    response = client.post("/v1/process-definitions/search", json={})

    assert response.status_code == 200
    assert response.json() == {
        "items": [
            {"key": 1, "name": "Checkout", "version": 1, "bpmnProcessId": "checkout", "tenantId": "<default>"}
        ],
        "total": 1,
        "sortValues": [1],
    }


def test_search_without_body_returns_everything(client: TestClient, history: History) -> None:
    history.definition(1)

    response = client.post("/v1/process-definitions/search")

    assert [d["key"] for d in response.json()["items"]] == [1]


def test_search_filters_by_bpmn_process_id(client: TestClient, history: History) -> None:
    history.definition(1, bpmn_process_id="checkout")
    history.definition(2, bpmn_process_id="refund")

    response = client.post("/v1/process-definitions/search", json={"filter": {"bpmnProcessId": "refund"}})

    assert [d["key"] for d in response.json()["items"]] == [2]


def test_search_sorts_by_version_descending(client: TestClient, history: History) -> None:
    for key, version in ((1, 1), (2, 3), (3, 2)):
        history.definition(key, version=version)

    response = client.post(
        "/v1/process-definitions/search", json={"sort": [{"field": "version", "order": "DESC"}]}
    )

    assert [d["version"] for d in response.json()["items"]] == [3, 2, 1]


def test_get_returns_the_definition(client: TestClient, history: History) -> None:
    history.definition(7, version=2, name=None)

    response = client.get("/v1/process-definitions/7")

    assert response.json() == {
        "key": 7,
        "name": None,
        "version": 2,
        "bpmnProcessId": "checkout",
        "tenantId": "<default>",
    }


def test_get_unknown_definition_is_404_problem(client: TestClient, history: History) -> None:
    response = client.get("/v1/process-definitions/123")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "No process definition found for key 123"


def test_xml_returns_the_deployed_resource(client: TestClient, history: History) -> None:
    history.definition(1)

    response = client.get("/v1/process-definitions/1/xml")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.content == CHECKOUT_BPMN


def test_xml_of_unknown_definition_is_404_problem(client: TestClient, history: History) -> None:
    response = client.get("/v1/process-definitions/5/xml")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "No process definition found for key 5"
