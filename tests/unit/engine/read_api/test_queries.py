"""The SQL built for searches walks the schema's indexes (instance lists stay fast at 100,000 rows)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

from engine.read_api.entities import FLOW_NODE_INSTANCES, INCIDENTS, PROCESS_INSTANCES, VARIABLES
from engine.read_api.queries import Entity, build_search
from engine.storage.sqlite_store import SCHEMA


@pytest.fixture
def db() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:")
    connection.executescript(SCHEMA)
    connection.create_function("flow_node_name", 2, lambda key, element: None)
    yield connection
    connection.close()


def plan(db: sqlite3.Connection, entity: Entity, **query: Any) -> tuple[str, str]:
    """The query plans (page, count) of a search."""
    query.setdefault("filter_", None)
    query.setdefault("sort", None)
    query.setdefault("search_after", None)
    built = build_search(entity, size=10, **query)
    page = " | ".join(row[3] for row in db.execute("EXPLAIN QUERY PLAN " + built.sql, built.params))
    count = " | ".join(
        row[3] for row in db.execute("EXPLAIN QUERY PLAN " + built.count_sql, built.count_params)
    )
    return page, count


def test_next_page_of_instances_seeks_the_primary_key(db: sqlite3.Connection) -> None:
    page, _ = plan(db, PROCESS_INSTANCES, search_after=[2251799813685249])

    assert "INTEGER PRIMARY KEY (rowid>?)" in page
    assert "TEMP B-TREE" not in page


def test_instances_by_state_page_through_the_state_index(db: sqlite3.Connection) -> None:
    page, count = plan(db, PROCESS_INSTANCES, filter_={"state": "ACTIVE"}, search_after=[5])

    assert "process_instances_state (state=? AND key>?)" in page
    assert "TEMP B-TREE" not in page
    assert "COVERING INDEX process_instances_state" in count


def test_instances_by_definition_and_state_use_the_definition_index(db: sqlite3.Connection) -> None:
    page, count = plan(db, PROCESS_INSTANCES, filter_={"processDefinitionKey": 1, "state": "ACTIVE"})

    assert "process_instances_definition" in page
    assert "COVERING INDEX process_instances_definition" in count


def test_flow_nodes_of_an_instance_use_the_instance_index(db: sqlite3.Connection) -> None:
    page, count = plan(db, FLOW_NODE_INSTANCES, filter_={"processInstanceKey": 1}, search_after=[5])

    assert "flow_node_instances_instance (process_instance_key=? AND key>?)" in page
    assert "flow_node_instances_instance" in count


def test_variables_of_an_instance_use_the_instance_index(db: sqlite3.Connection) -> None:
    page, count = plan(db, VARIABLES, filter_={"processInstanceKey": 1})

    assert "variables_instance" in page
    assert "variables_instance" in count


def test_next_page_of_variables_seeks_the_primary_key(db: sqlite3.Connection) -> None:
    page, _ = plan(db, VARIABLES, search_after=["100-order"])

    assert "sqlite_autoindex_variables_1 ((scope_key,name)>(?,?))" in page


def test_active_incidents_use_the_state_index(db: sqlite3.Connection) -> None:
    page, count = plan(db, INCIDENTS, filter_={"state": "ACTIVE"}, search_after=[5])

    assert "incidents_state (state=? AND key>?)" in page
    assert "incidents_state" in count


def test_request_values_are_parameters_not_sql(db: sqlite3.Connection) -> None:
    built = build_search(
        PROCESS_INSTANCES,
        filter_={"bpmnProcessId": "x'); DROP TABLE process_instances; --"},
        size=10,
        sort=[("startDate", "DESC")],
        search_after=[1.5, 7],
    )

    assert "DROP" not in built.sql
    assert built.params == ["x'); DROP TABLE process_instances; --", 1.5, 1.5, 7, 10]
