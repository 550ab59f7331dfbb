"""``GET /monitor/api/definitions``: every version with its instance counts per state."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.unit.engine.read_api.conftest import History


def definitions(client: TestClient) -> list[dict[str, Any]]:
    response = client.get("/monitor/api/definitions")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_each_version_counts_its_own_instances_per_state(client: TestClient, history: History) -> None:
    history.definition(1, version=1)
    history.definition(2, version=2)
    history.instance(10, definition_key=1, state="COMPLETED")
    history.instance(11, definition_key=1, state="CANCELED")
    history.instance(12, definition_key=2, state="ACTIVE")
    history.instance(13, definition_key=2, state="ACTIVE")

    counts = {d["version"]: (d["active"], d["completed"], d["canceled"]) for d in definitions(client)}

    assert counts == {1: (0, 1, 1), 2: (2, 0, 0)}


def test_newest_version_comes_first(client: TestClient, history: History) -> None:
    history.definition(1, version=1)
    history.definition(2, version=2)

    assert [d["version"] for d in definitions(client)] == [2, 1]


def test_an_instance_with_several_active_incidents_counts_once(client: TestClient, history: History) -> None:
    history.definition(1)
    history.instance(10, state="ACTIVE", incident=True)
    history.incident(100, 10)
    history.incident(101, 10)
    history.instance(11, state="ACTIVE")
    history.incident(102, 11, state="RESOLVED")

    (definition,) = definitions(client)

    assert (definition["active"], definition["incidents"]) == (2, 1)


def test_a_definition_without_instances_shows_zeros(client: TestClient, history: History) -> None:
    history.definition(1)

    (definition,) = definitions(client)

    assert definition == {
        "key": 1,
        "bpmnProcessId": "checkout",
        "name": "Checkout",
        "version": 1,
        "active": 0,
        "incidents": 0,
        "completed": 0,
        "canceled": 0,
    }
