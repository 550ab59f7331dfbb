"""``GET /monitor/api/instances``: the list's filters, sorting and cursor paging."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.unit.engine.read_api.conftest import T0, History


def keys(client: TestClient, **params: Any) -> list[int]:
    response = client.get("/monitor/api/instances", params=params)
    assert response.status_code == 200, response.text
    return [item["key"] for item in response.json()["items"]]


@pytest.fixture
def three(history: History) -> None:
    """10 completed, 11 active with an incident, 12 active; started a minute apart."""
    history.definition(1)
    history.instance(10, state="COMPLETED", start=T0, end=T0 + 5)
    history.instance(11, state="ACTIVE", start=T0 + 60, incident=True)
    history.incident(100, 11)
    history.instance(12, state="ACTIVE", start=T0 + 120)


@pytest.mark.usefixtures("three")
def test_newest_instances_come_first_by_default(client: TestClient) -> None:
    assert keys(client) == [12, 11, 10]


@pytest.mark.usefixtures("three")
def test_state_filter_keeps_only_that_state(client: TestClient) -> None:
    assert keys(client, state="ACTIVE") == [12, 11]


@pytest.mark.usefixtures("three")
def test_incident_filter_keeps_instances_with_an_active_incident(client: TestClient) -> None:
    assert keys(client, incident="true") == [11]
    assert keys(client, incident="false") == [12, 10]


@pytest.mark.usefixtures("three")
def test_time_range_includes_its_start_and_excludes_its_end(client: TestClient) -> None:
    assert keys(client, **{"from": "2024-01-01T10:01:00Z", "to": "2024-01-01T10:02:00Z"}) == [11]


@pytest.mark.usefixtures("three")
def test_sorting_by_end_date_ascending_puts_running_instances_first(client: TestClient) -> None:
    assert keys(client, sort="endDate", order="ASC") == [11, 12, 10]


def test_variable_filter_matches_a_root_variable_by_its_text_or_json(
    client: TestClient, history: History
) -> None:
    history.definition(1)
    for key, checkout in ((10, "chk-a"), (11, "chk-b")):
        history.instance(key)
        history.variable(key, "checkoutId", f'"{checkout}"')
    history.instance(12)
    history.flow_node(500, 12, "charge")
    history.variable(500, "checkoutId", '"chk-a"', instance_key=12)  # a local variable, not the instance's

    assert keys(client, variableName="checkoutId", variableValue="chk-a") == [10]
    assert keys(client, variableName="checkoutId", variableValue='"chk-b"') == [11]


def test_each_item_carries_the_key_variables_value(client: TestClient, history: History) -> None:
    history.definition(1)
    history.instance(10)
    history.variable(10, "checkoutId", '"chk-a"')
    history.instance(11)

    response = client.get("/monitor/api/instances", params={"keyVariable": "checkoutId"})

    assert {i["key"]: i["keyValue"] for i in response.json()["items"]} == {10: '"chk-a"', 11: None}


def test_cursors_page_through_every_instance_once(client: TestClient, history: History) -> None:
    history.definition(1)
    for key in range(1, 8):
        history.instance(key, start=T0 + key // 3)  # ties in the sort field: the key breaks them
    seen: list[int] = []
    cursor: str | None = None
    for _ in range(10):
        params: dict[str, Any] = {"size": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get("/monitor/api/instances", params=params).json()
        assert page["total"] == 7
        seen += [item["key"] for item in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break

    assert seen == [6, 7, 3, 4, 5, 1, 2]


@pytest.mark.parametrize(
    "params",
    [{"cursor": "not a cursor"}, {"sort": "bpmnProcessId"}, {"state": "RUNNING"}, {"from": "yesterday"}],
)
def test_an_invalid_parameter_is_a_bad_request(client: TestClient, params: dict[str, str]) -> None:
    response = client.get("/monitor/api/instances", params=params)

    assert response.status_code == 400, response.text
