"""A temporary engine database filled row by row, and a client of the read API over it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from engine.read_api.app import create_app
from engine.storage.sqlite_store import SCHEMA

T0 = 1704103200.0
"""2024-01-01T10:00:00.000+0000"""

CHECKOUT_BPMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs">
  <bpmn:process id="checkout" name="Checkout" isExecutable="true">
    <bpmn:startEvent id="start" name="Order placed" />
    <bpmn:serviceTask id="charge" name="Charge payment" />
    <bpmn:boundaryEvent id="charge_compensation" attachedToRef="charge" />
    <bpmn:serviceTask id="refund" name="Refund payment" isForCompensation="true" />
    <bpmn:exclusiveGateway id="gateway" />
    <bpmn:endEvent id="end" name="Order done" />
  </bpmn:process>
</bpmn:definitions>
"""


class History:
    """Writes rows the way the engine's store does (one committed transaction each)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def definition(
        self,
        key: int = 1,
        *,
        bpmn_process_id: str = "checkout",
        version: int = 1,
        name: str | None = "Checkout",
        resource: bytes = CHECKOUT_BPMN,
    ) -> None:
        self.db.execute(
            "INSERT INTO process_definitions VALUES (?,?,?,?,?,?,?,?,?)",
            (key, bpmn_process_id, version, name, f"{bpmn_process_id}.bpmn", "sum", resource, 100 + key, T0),
        )

    def instance(
        self,
        key: int,
        *,
        definition_key: int = 1,
        bpmn_process_id: str = "checkout",
        version: int = 1,
        state: str = "ACTIVE",
        start: float = T0,
        end: float | None = None,
        incident: bool = False,
    ) -> None:
        self.db.execute(
            "INSERT INTO process_instances VALUES (?,?,?,?,?,?,?,?,?,?)",
            (key, definition_key, bpmn_process_id, version, state, start, end, int(incident), "{}", None),
        )

    def flow_node(
        self,
        key: int,
        instance_key: int,
        flow_node_id: str,
        *,
        type_: str = "SERVICE_TASK",
        state: str = "ACTIVATED",
        start: float = T0,
        end: float | None = None,
        incident_key: int | None = None,
        definition_key: int = 1,
        compensated_id: str | None = None,
        compensated_key: int | None = None,
    ) -> None:
        self.db.execute(
            "INSERT INTO flow_node_instances VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                key,
                instance_key,
                definition_key,
                flow_node_id,
                type_,
                state,
                start,
                end,
                incident_key,
                instance_key,
                compensated_id,
                compensated_key,
            ),
        )

    def incident(
        self,
        key: int,
        instance_key: int,
        *,
        flow_node_id: str = "charge",
        flow_node_instance_key: int = 0,
        job_key: int | None = None,
        type_: str = "JOB_NO_RETRIES",
        message: str = "No more retries left.",
        state: str = "ACTIVE",
        created: float = T0,
        definition_key: int = 1,
    ) -> None:
        self.db.execute(
            "INSERT INTO incidents VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                key,
                instance_key,
                definition_key,
                "checkout",
                flow_node_id,
                flow_node_instance_key,
                job_key,
                type_,
                message,
                state,
                created,
            ),
        )

    def variable(self, scope_key: int, name: str, value: str, *, instance_key: int | None = None) -> None:
        self.db.execute(
            "INSERT INTO variables VALUES (?,?,?,?)",
            (scope_key, name, scope_key if instance_key is None else instance_key, value),
        )


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "engine.db"
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(SCHEMA)
    db.close()
    return path


@pytest.fixture
def history(db_path: Path) -> Iterator[History]:
    """The engine's side: a writer connection that stays open while the API reads, as in the engine."""
    db = sqlite3.connect(db_path, isolation_level=None)
    yield History(db)
    db.close()


@pytest.fixture
def client(db_path: Path, history: History) -> Iterator[TestClient]:
    with TestClient(create_app(db_path)) as test_client:
        yield test_client
