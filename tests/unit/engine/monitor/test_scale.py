"""The monitor's queries stay fast on 100,000 instances: each reads its rows through an index, never
by scanning a whole table, which SQLite's query plans show (no timing thresholds in tests).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.read_api import monitoring
from engine.read_api.database import FlowNodeNames, ReadDatabase
from engine.read_api.monitoring import InstanceFilter
from engine.storage.sqlite_store import SCHEMA

INSTANCES = 100_000
T0 = 1_700_000_000.0


def fill(path: Path) -> None:
    """Two versions; 80 % completed, 10 % active (a seventh of them with an incident), 10 % canceled."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(SCHEMA)
    for version in (1, 2):
        db.execute(
            "INSERT INTO process_definitions VALUES (?, 'checkout', ?, 'Checkout', 'c.bpmn', 's', x'00', 1, 0)",
            (version, version),
        )
    states = ["COMPLETED"] * 8 + ["ACTIVE", "CANCELED"]
    instances, variables, incidents = [], [], []
    for key in range(1, INSTANCES + 1):
        state = states[key % 10]
        incident = state == "ACTIVE" and key % 7 == 0
        end = None if state == "ACTIVE" else T0 + key + 5
        instances.append(
            (key, 1 + key % 2, "checkout", 1 + key % 2, state, T0 + key, end, int(incident), "{}", None)
        )
        variables.append((key, "checkoutId", key, json.dumps(f"chk-{key}")))
        variables.append((key, "items", key, json.dumps([{"sku": "SKU-1", "quantity": 1}] * 5)))
        if incident:
            incidents.append((key, key, 1 + key % 2, "checkout", "a", key, None, "JOB", "m", "ACTIVE", T0))
    db.executemany("INSERT INTO process_instances VALUES (?,?,?,?,?,?,?,?,?,?)", instances)
    db.executemany("INSERT INTO variables VALUES (?,?,?,?)", variables)
    db.executemany("INSERT INTO incidents VALUES (?,?,?,?,?,?,?,?,?,?,?)", incidents)
    db.commit()
    db.close()


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReadDatabase]:
    path = tmp_path_factory.mktemp("scale") / "engine.db"
    fill(path)
    database = ReadDatabase(path, FlowNodeNames())
    yield database
    database.close()


def plans(database: ReadDatabase, query: Callable[[], Any]) -> list[str]:
    """The query plan of every statement ``query`` runs (this thread's connection, traced)."""
    statements: list[str] = []
    with database.snapshot() as db:
        db.set_trace_callback(statements.append)
    try:
        query()
    finally:
        with database.snapshot() as db:
            db.set_trace_callback(None)
            details = [
                row["detail"]
                for sql in statements
                if sql.lstrip().upper().startswith(("SELECT", "WITH"))
                for row in db.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
            ]
    assert details, "no statement was traced"
    return details


def assert_indexed(details: list[str]) -> None:
    """Rows come from an index (a search, or a scan in index order), never from reading a whole big
    table; what an index search finds may still be sorted."""
    big = ("process_instances", " p", "variables", "flow_node_instances", "incidents")
    scans = [d for d in details if d.startswith("SCAN") and "USING" not in d and any(t in d for t in big)]
    assert scans == [], details


FILTERS = {
    "no filter": InstanceFilter(),
    "state": InstanceFilter(state="ACTIVE"),
    "version": InstanceFilter(process_definition_key=2),
    "with incident": InstanceFilter(incident=True),
    "without incident": InstanceFilter(incident=False),
    "time range": InstanceFilter(started_from="2023-11-14T22:20:00Z", started_to="2023-11-14T23:00:00Z"),
    "checkout id": InstanceFilter(variable_name="checkoutId", variable_value="chk-5000"),
}


def test_definition_counts_come_from_indexes(database: ReadDatabase) -> None:
    assert_indexed(plans(database, lambda: monitoring.definition_statistics(database)))


@pytest.mark.parametrize("name", FILTERS)
def test_a_filtered_list_page_comes_from_indexes(database: ReadDatabase, name: str) -> None:
    assert_indexed(
        plans(
            database, lambda: monitoring.search_instances(database, FILTERS[name], key_variable="checkoutId")
        )
    )


@pytest.mark.parametrize("sort", monitoring.SORTABLE)
@pytest.mark.parametrize("order", ["ASC", "DESC"])
def test_a_later_page_in_any_sort_comes_from_indexes(database: ReadDatabase, sort: str, order: str) -> None:
    first = monitoring.search_instances(database, InstanceFilter(), sort=sort, order=order)

    def second_page() -> None:
        monitoring.search_instances(
            database, InstanceFilter(), sort=sort, order=order, cursor=first.next_cursor
        )

    assert_indexed(plans(database, second_page))


def test_the_variable_filter_uses_its_index(database: ReadDatabase) -> None:
    condition, params = monitoring.InstanceFilter(
        variable_name="checkoutId", variable_value="chk-1"
    ).conditions()[0]
    with database.snapshot() as db:
        plan = db.execute(
            f"EXPLAIN QUERY PLAN SELECT p.key FROM process_instances p WHERE {condition}", params
        ).fetchall()

    assert any("variables_root_values" in row["detail"] for row in plan), [row["detail"] for row in plan]
