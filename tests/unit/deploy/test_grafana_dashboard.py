"""The Grafana dashboard (deploy/grafana/dashboards/checkout-saga.json): well-formed, laid out for
reading, and querying only metrics that exist. tests/integration/deploy/ has promtool parse its
queries."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.unit.deploy.artifacts import (
    DASHBOARD_FILE,
    dashboard,
    dashboard_expressions,
    dashboard_panels,
    data_panels,
    recorded_names,
)
from tests.unit.deploy.known_metrics import known_metric_names
from tests.unit.deploy.promql import metric_names

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
GRID_COLUMNS = 24
REQUIRED_PANELS = {
    "Throughput",
    "Outcomes",
    "Saga latency",
    "Step failures",
    "Compensations",
    "Circuit breakers",
    "Consumer lag",
    "Outbox backlog",
    "Open incidents",
}


def panel_id(panel: dict[str, Any]) -> str:
    return str(panel["title"])


def test_the_dashboard_is_well_formed_json() -> None:
    document = json.loads(DASHBOARD_FILE.read_text())

    assert isinstance(document, dict)
    assert isinstance(document["panels"], list)


def test_the_dashboard_has_a_title_a_uid_and_a_current_schema() -> None:
    document = dashboard()

    assert (document["title"], document["uid"]) == ("Checkout saga", "checkout-saga")
    assert 36 <= document["schemaVersion"] <= 41


def test_the_prometheus_data_source_is_a_template_variable() -> None:
    variables = {variable["name"]: variable for variable in dashboard()["templating"]["list"]}

    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"


def test_the_dashboard_shows_what_an_operator_of_the_saga_needs() -> None:
    assert {panel["title"] for panel in data_panels()} >= REQUIRED_PANELS


def test_panel_ids_are_unique() -> None:
    ids = [panel["id"] for panel in dashboard_panels()]

    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("panel", data_panels(), ids=panel_id)
def test_a_panel_queries_the_templated_data_source(panel: dict[str, Any]) -> None:
    assert panel["datasource"] == DATASOURCE
    assert panel["targets"]
    assert all(target["datasource"] == DATASOURCE and target["expr"].strip() for target in panel["targets"])


@pytest.mark.parametrize("panel", data_panels(), ids=panel_id)
def test_a_panel_names_its_queries_uniquely(panel: dict[str, Any]) -> None:
    ref_ids = [target["refId"] for target in panel["targets"]]

    assert len(ref_ids) == len(set(ref_ids))


@pytest.mark.parametrize("panel", data_panels(), ids=panel_id)
def test_a_panel_sets_its_unit_and_explains_itself(panel: dict[str, Any]) -> None:
    assert panel["fieldConfig"]["defaults"]["unit"]
    assert panel["description"].strip()


@pytest.mark.parametrize(
    ("query", "expression"), dashboard_expressions(), ids=[query for query, _ in dashboard_expressions()]
)
def test_a_query_reads_only_metrics_that_exist_or_are_recorded(query: str, expression: str) -> None:
    assert metric_names(expression) - known_metric_names() - recorded_names() == set()


def test_panels_fit_the_grid_without_overlapping() -> None:
    taken: dict[tuple[int, int], str] = {}
    for panel in dashboard_panels():
        grid = panel["gridPos"]
        assert grid["w"] > 0, panel["title"]
        assert 0 <= grid["x"] <= grid["x"] + grid["w"] <= GRID_COLUMNS, panel["title"]
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in taken, f"{panel['title']} overlaps {taken[(x, y)]}"
                taken[(x, y)] = panel["title"]


def test_rows_group_the_panels_under_them() -> None:
    top_level = dashboard()["panels"]
    positions = [(panel["gridPos"]["y"], panel["gridPos"]["x"]) for panel in top_level]

    assert top_level[0]["type"] == "row"
    assert positions == sorted(positions), "panels are listed in reading order, each after its row"
