"""Refused requests answer RFC 9457 problem details with Operate's wording."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from engine.read_api.app import create_app
from tests.unit.engine.read_api.conftest import History


def bad_request(client: TestClient, body: Any, path: str = "/v1/process-instances/search") -> dict[str, Any]:
    response = client.post(path, json=body)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    return problem


def test_unknown_filter_field_is_400_problem(client: TestClient) -> None:
    problem = bad_request(client, {"filter": {"state": "ACTIVE", "bogus": 2}})

    assert problem == {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": "Filter has invalid field(s): bogus",
        "instance": "/v1/process-instances/search",
        "message": "Filter has invalid field(s): bogus",
    }


def test_field_of_another_object_is_not_a_valid_filter(client: TestClient) -> None:
    problem = bad_request(client, {"filter": {"flowNodeId": "charge"}})

    assert problem["detail"] == "Filter has invalid field(s): flowNodeId"


def test_sql_in_a_filter_field_name_is_refused(client: TestClient, history: History) -> None:
    history.instance(10)

    bad_request(client, {"filter": {"key = key OR 1": 1}})

    assert client.post("/v1/process-instances/search", json={}).json()["total"] == 1


def test_sql_in_a_filter_value_is_only_a_value(client: TestClient, history: History) -> None:
    history.instance(10)

    response = client.post("/v1/process-instances/search", json={"filter": {"state": "x' OR '1'='1"}})

    assert response.json()["items"] == []


def test_unknown_sort_field_is_400_problem(client: TestClient) -> None:
    problem = bad_request(client, {"sort": [{"field": "startTime", "order": "ASC"}]})

    assert problem["detail"] == "Sort has invalid field(s): startTime"


def test_sort_without_field_is_400_problem(client: TestClient) -> None:
    bad_request(client, {"sort": [{"order": "ASC"}]})


@pytest.mark.parametrize("order", ["asc", "UP", ""])
def test_bad_sort_order_is_400_problem(client: TestClient, order: str) -> None:
    problem = bad_request(client, {"sort": [{"field": "key", "order": order}]})

    assert "must be ASC or DESC" in problem["detail"]


@pytest.mark.parametrize("size", [0, -1, 1001])
def test_size_out_of_range_is_400_problem(client: TestClient, size: int) -> None:
    problem = bad_request(client, {"size": size})

    assert problem["detail"] == "size should be greater than zero and less than 1000"


def test_size_of_1000_is_accepted(client: TestClient) -> None:
    assert client.post("/v1/process-instances/search", json={"size": 1000}).status_code == 200


def test_search_after_needs_one_value_per_sort_field_plus_key(client: TestClient) -> None:
    problem = bad_request(client, {"sort": [{"field": "startDate", "order": "ASC"}], "searchAfter": [1]})

    assert problem["detail"] == "searchAfter should have a 2 values"


def test_empty_search_after_is_400_problem(client: TestClient) -> None:
    bad_request(client, {"searchAfter": []})


def test_search_after_of_wrong_type_is_400_problem(client: TestClient) -> None:
    problem = bad_request(client, {"searchAfter": ["not a key"]})

    assert "'key'" in problem["detail"]


def test_filter_value_of_wrong_type_is_400_problem(client: TestClient) -> None:
    problem = bad_request(client, {"filter": {"processInstanceKey": "abc"}}, "/v1/flownode-instances/search")

    assert problem["detail"] == "Filter value for 'processInstanceKey' must be an integer, got 'abc'"


def test_unparsable_date_filter_is_400_problem(client: TestClient) -> None:
    bad_request(client, {"filter": {"startDate": "yesterday"}})


def test_filter_that_is_not_an_object_is_400_problem(client: TestClient) -> None:
    bad_request(client, {"filter": ["state", "ACTIVE"]})


def test_malformed_json_is_400_problem(client: TestClient) -> None:
    response = client.post(
        "/v1/process-instances/search", content=b"{", headers={"content-type": "application/json"}
    )

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


def test_key_that_is_not_a_number_is_400_problem(client: TestClient) -> None:
    response = client.get("/v1/process-instances/abc")

    assert response.status_code == 400
    assert response.json()["instance"] == "/v1/process-instances/abc"


def test_unknown_path_is_404_problem(client: TestClient) -> None:
    response = client.get("/v1/decision-instances/1")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_health_is_up_when_the_database_is_readable(client: TestClient) -> None:
    response = client.get("/v1/health")

    assert (response.status_code, response.json()) == (200, {"status": "UP"})


def test_missing_database_is_503_problem(tmp_path: Path) -> None:
    with TestClient(create_app(tmp_path / "missing.db")) as client:
        response = client.post("/v1/process-instances/search", json={})

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"


def test_health_is_down_when_the_database_is_missing(tmp_path: Path) -> None:
    with TestClient(create_app(tmp_path / "missing.db")) as client:
        response = client.get("/v1/health")

    assert (response.status_code, response.json()) == (503, {"status": "DOWN"})


def test_api_never_writes_the_database(client: TestClient, db_path: Path) -> None:
    database = client.app.state.database  # type: ignore[attr-defined]

    with database.snapshot() as db, pytest.raises(Exception, match=r"readonly|read-only|query_only"):
        db.execute("DELETE FROM process_instances")


@pytest.mark.parametrize("key", ["--5", "²", "1.5", True])
def test_key_filter_that_is_not_an_integer_is_400_problem(client: TestClient, key: object) -> None:
    problem = bad_request(client, {"filter": {"key": key}})

    assert problem["detail"].startswith("Filter value for 'key' must be an integer")


def test_date_filter_that_is_a_number_is_400_problem(client: TestClient) -> None:
    problem = bad_request(client, {"filter": {"startDate": 1704103200000}})

    assert problem["detail"] == "Filter value for 'startDate' must be a date, got 1704103200000"
