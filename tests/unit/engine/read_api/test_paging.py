"""Paging with ``searchAfter``: every page continues exactly where the previous one ended."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.unit.engine.read_api.conftest import T0, History


def page_through(client: TestClient, path: str, body: dict[str, Any], size: int) -> list[dict[str, Any]]:
    """Every item, fetched ``size`` at a time; checks ``total`` stays the same on every page."""
    items: list[dict[str, Any]] = []
    search_after: list[Any] | None = None
    totals = set()
    for _ in range(100):
        request = {
            **body,
            "size": size,
            **({"searchAfter": search_after} if search_after is not None else {}),
        }
        response = client.post(path, json=request)
        assert response.status_code == 200, response.text
        page = response.json()
        totals.add(page["total"])
        if not page["items"]:
            break
        items.extend(page["items"])
        search_after = page["sortValues"]
    assert len(totals) == 1
    assert totals == {len(items)}
    return items


def _compare(a: Any, b: Any) -> int:
    """SQLite's order: NULL before every value."""
    if a == b:
        return 0
    if a is None:
        return -1
    if b is None:
        return 1
    return -1 if a < b else 1


def expected_order(items: list[dict[str, Any]], sort: list[tuple[str, str]]) -> list[Any]:
    terms = [*sort, ("key", "ASC")]

    def compare(x: dict[str, Any], y: dict[str, Any]) -> int:
        for name, order in terms:
            result = _compare(x[name], y[name])
            if result:
                return -result if order == "DESC" else result
        return 0

    return [i["key"] for i in sorted(items, key=functools.cmp_to_key(compare))]


@pytest.fixture
def instances(history: History) -> None:
    """23 instances with repeated start dates and, for the active ones, no end date."""
    for n in range(23):
        finished = n % 3 != 0
        history.instance(
            1000 + n * 7 % 23,  # keys not in start order
            state="COMPLETED" if finished else "ACTIVE",
            start=T0 + n // 4,  # four instances per start date
            end=T0 + 100 + n % 5 if finished else None,
            incident=n % 4 == 0,
        )


def sorted_by_api(client: TestClient, sort: list[tuple[str, str]]) -> list[dict[str, Any]]:
    body = {"sort": [{"field": f, "order": o} for f, o in sort], "size": 1000}
    response = client.post("/v1/process-instances/search", json=body)
    items: list[dict[str, Any]] = response.json()["items"]
    return items


SORTS = [
    [],
    [("key", "DESC")],
    [("startDate", "ASC")],
    [("startDate", "DESC")],
    [("endDate", "ASC")],
    [("endDate", "DESC")],
    [("state", "ASC"), ("startDate", "DESC")],
    [("incident", "DESC"), ("endDate", "ASC")],
    [("endDate", "DESC"), ("startDate", "ASC")],
]


@pytest.mark.parametrize("sort", SORTS, ids=lambda s: ",".join(f"{f} {o}" for f, o in s) or "default")
@pytest.mark.parametrize("size", [1, 4, 10])
def test_pages_cover_every_instance_once_in_sort_order(
    client: TestClient, instances: None, sort: list[tuple[str, str]], size: int
) -> None:
    body = {"sort": [{"field": f, "order": o} for f, o in sort]}

    items = page_through(client, "/v1/process-instances/search", body, size)

    assert len({i["key"] for i in items}) == 23
    assert [i["key"] for i in items] == expected_order(sorted_by_api(client, []), sort)


def test_pages_of_a_filtered_search_keep_the_filter(client: TestClient, instances: None) -> None:
    items = page_through(client, "/v1/process-instances/search", {"filter": {"state": "ACTIVE"}}, 3)

    assert [i["key"] for i in items] == sorted(
        i["key"] for i in sorted_by_api(client, []) if i["state"] == "ACTIVE"
    )


def test_search_after_accepts_keys_as_strings(client: TestClient, history: History) -> None:
    for key in (2251799813685249, 2251799813685250, 2251799813685251):
        history.instance(key)

    response = client.post("/v1/process-instances/search", json={"searchAfter": ["2251799813685249"]})

    assert [i["key"] for i in response.json()["items"]] == [2251799813685250, 2251799813685251]


def _flow_nodes(history: History) -> None:
    history.definition(1)
    history.instance(100)
    states = ["ACTIVATED", "COMPLETED", "TERMINATED", "COMPLETING", "ACTIVATING", "TERMINATING"]
    ids = ["start", "charge", "gateway", "refund", "end"]
    for n in range(17):
        history.flow_node(200 + n, 100, ids[n % 5], state=states[n % 6], start=T0 + n % 3)


FLOW_NODE_SORTS: list[list[tuple[str, str]]] = [
    [("state", "ASC")],
    [("state", "DESC"), ("startDate", "DESC")],
    [("flowNodeName", "ASC")],
    [("flowNodeName", "DESC")],
]


@pytest.mark.parametrize("sort", FLOW_NODE_SORTS, ids=lambda s: ",".join(f"{f} {o}" for f, o in s))
def test_flow_node_pages_follow_mapped_state_and_name(
    client: TestClient, history: History, sort: list[tuple[str, str]]
) -> None:
    _flow_nodes(history)
    everything = client.post("/v1/flownode-instances/search", json={"size": 1000}).json()["items"]

    items = page_through(
        client, "/v1/flownode-instances/search", {"sort": [{"field": f, "order": o} for f, o in sort]}, 4
    )

    assert [i["key"] for i in items] == expected_order(everything, sort)


@pytest.mark.parametrize("order", ["ASC", "DESC"])
def test_variable_pages_follow_scope_then_name(client: TestClient, history: History, order: str) -> None:
    names = ["a", "a-b", "a-", "b", "order-id", "order"]
    for scope in (100, 101, 2000):
        for name in names:
            history.variable(scope, name, "1", instance_key=100)

    items = page_through(client, "/v1/variables/search", {"sort": [{"field": "name", "order": order}]}, 4)

    expected = sorted(items, key=lambda v: (v["scopeKey"], v["name"]))  # the key tiebreaker
    expected.sort(key=lambda v: v["name"], reverse=order == "DESC")  # stable: ties keep key order
    assert [v["key"] for v in items] == [v["key"] for v in expected]
    assert len({v["key"] for v in items}) == 18
