"""Durable state in one SQLite database (WAL): runtime state to recover from, history to read.

Two kinds of rows are written in the same transaction at each flush:
- the runtime document of every active process instance (``process_instances.runtime``), buffered
  messages, definitions and the key counter: what a restart loads;
- Operate-shaped history (flow-node instances, variables, incidents, instance rows) and the jobs'
  history (``job_events``, one appended row per job state change): what the read API queries. Finished instances keep their history rows but drop their runtime document, so a
  restart reads only active instances however much history there is.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.bpmn.parser import parse_resource
from engine.dmn import parse_dmn
from engine.runtime.definitions import DeployedDecisions, DeployedProcess
from engine.runtime.journal import Journal
from engine.runtime.partition import Partition
from engine.runtime.state import BufferedMessage, InstanceState, ProcessInstance, Timer

ROOT_VALUE_INDEX_LIMIT = 64
"""Longest variable value (JSON text) the partial index ``variables_root_values`` holds."""

SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS process_definitions (
    key INTEGER PRIMARY KEY, bpmn_process_id TEXT NOT NULL, version INTEGER NOT NULL,
    name TEXT, resource_name TEXT NOT NULL, checksum TEXT NOT NULL, resource BLOB NOT NULL,
    deployment_key INTEGER NOT NULL, deployed_at REAL NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS process_definitions_version ON process_definitions (bpmn_process_id, version);
CREATE TABLE IF NOT EXISTS decision_requirements (
    key INTEGER PRIMARY KEY, decision_requirements_id TEXT NOT NULL, version INTEGER NOT NULL,
    resource_name TEXT NOT NULL, checksum TEXT NOT NULL, resource BLOB NOT NULL, decision_keys TEXT NOT NULL,
    deployment_key INTEGER NOT NULL, deployed_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS process_instances (
    key INTEGER PRIMARY KEY, process_definition_key INTEGER NOT NULL, bpmn_process_id TEXT NOT NULL,
    version INTEGER NOT NULL, state TEXT NOT NULL, start_date REAL NOT NULL, end_date REAL,
    incident INTEGER NOT NULL DEFAULT 0, taken_flows TEXT NOT NULL DEFAULT '{}', runtime TEXT);
CREATE INDEX IF NOT EXISTS process_instances_active ON process_instances (key) WHERE runtime IS NOT NULL;
CREATE INDEX IF NOT EXISTS process_instances_state ON process_instances (state, key);
CREATE INDEX IF NOT EXISTS process_instances_definition ON process_instances (process_definition_key, state);
CREATE INDEX IF NOT EXISTS process_instances_process ON process_instances (bpmn_process_id, key);
CREATE INDEX IF NOT EXISTS process_instances_start ON process_instances (start_date, key);
CREATE INDEX IF NOT EXISTS process_instances_end ON process_instances (end_date, key);
CREATE INDEX IF NOT EXISTS process_instances_version ON process_instances (version, key);
CREATE TABLE IF NOT EXISTS flow_node_instances (
    key INTEGER PRIMARY KEY, process_instance_key INTEGER NOT NULL, process_definition_key INTEGER NOT NULL,
    flow_node_id TEXT NOT NULL, type TEXT NOT NULL, state TEXT NOT NULL, start_date REAL NOT NULL,
    end_date REAL, incident_key INTEGER, flow_scope_key INTEGER,
    compensated_flow_node_id TEXT, compensated_flow_node_instance_key INTEGER);
CREATE INDEX IF NOT EXISTS flow_node_instances_instance ON flow_node_instances (process_instance_key, key);
CREATE INDEX IF NOT EXISTS flow_node_instances_state ON flow_node_instances (state, key);
CREATE TABLE IF NOT EXISTS variables (
    scope_key INTEGER NOT NULL, name TEXT NOT NULL, process_instance_key INTEGER NOT NULL,
    value TEXT NOT NULL, PRIMARY KEY (scope_key, name));
CREATE INDEX IF NOT EXISTS variables_instance ON variables (process_instance_key);
-- Finding instances by a short root variable (the monitor's "checkoutId equals" filter); partial, so
-- large documents (cart items, quotes) cost nothing. Queries repeat the condition to use it.
CREATE INDEX IF NOT EXISTS variables_root_values ON variables (name, value)
    WHERE scope_key = process_instance_key AND length(value) <= """
    + str(ROOT_VALUE_INDEX_LIMIT)
    + """;
CREATE TABLE IF NOT EXISTS incidents (
    key INTEGER PRIMARY KEY, process_instance_key INTEGER NOT NULL, process_definition_key INTEGER NOT NULL,
    bpmn_process_id TEXT NOT NULL, flow_node_id TEXT NOT NULL, flow_node_instance_key INTEGER NOT NULL,
    job_key INTEGER, type TEXT NOT NULL, message TEXT NOT NULL, state TEXT NOT NULL, creation_time REAL NOT NULL);
CREATE INDEX IF NOT EXISTS incidents_instance ON incidents (process_instance_key);
CREATE INDEX IF NOT EXISTS incidents_state ON incidents (state, key);
CREATE TABLE IF NOT EXISTS messages (key INTEGER PRIMARY KEY, document TEXT NOT NULL);
-- Job history, append-only (rowid order is the order of events); the monitor reads it per instance.
CREATE TABLE IF NOT EXISTS job_events (
    job_key INTEGER NOT NULL, process_instance_key INTEGER NOT NULL, element_instance_key INTEGER NOT NULL,
    element_id TEXT NOT NULL, type TEXT NOT NULL, event TEXT NOT NULL, time REAL NOT NULL,
    worker TEXT NOT NULL, retries INTEGER NOT NULL, message TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS job_events_instance ON job_events (process_instance_key, element_id);
"""
)


@dataclass(frozen=True, slots=True)
class Batch:
    """Rows of one flush, built on the event loop thread and written on the store's thread."""

    next_key: int
    definitions: list[tuple[Any, ...]]
    decisions: list[tuple[Any, ...]]
    instances: list[tuple[Any, ...]]
    elements: list[tuple[Any, ...]]
    variables: list[tuple[Any, ...]]
    incidents: list[tuple[Any, ...]]
    messages: list[tuple[int, str]]
    deleted_messages: list[tuple[int]]
    start_timers: str | None
    """All timer start events' timers, when they changed."""
    job_events: list[tuple[Any, ...]]


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


class SqliteStore:
    """Reads state at start-up and writes batches; one connection, used by one thread at a time."""

    def __init__(self, path: Path, *, synchronous: str = "FULL") -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={synchronous}")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    # ------------------------------------------------------------------ loading
    def load(self, partition: Partition) -> None:
        db = self._db
        row = db.execute("SELECT value FROM meta WHERE name = 'next_key'").fetchone()
        if row is not None:
            partition.next_key = int(row[0])
        for (
            key,
            process_id,
            version,
            resource_name,
            checksum,
            resource,
            deployment_key,
            deployed_at,
        ) in db.execute(
            "SELECT key, bpmn_process_id, version, resource_name, checksum, resource, deployment_key, deployed_at "
            "FROM process_definitions ORDER BY key"
        ):
            process = next(p for p in parse_resource(resource_name, resource) if p.id == process_id)
            partition.definitions.add(
                DeployedProcess(
                    key,
                    process_id,
                    version,
                    resource_name,
                    checksum,
                    resource,
                    process,
                    deployment_key,
                    deployed_at,
                )
            )
        for (
            key,
            version,
            resource_name,
            checksum,
            resource,
            decision_keys,
            deployment_key,
            deployed_at,
        ) in db.execute(
            "SELECT key, version, resource_name, checksum, resource, decision_keys, deployment_key, deployed_at "
            "FROM decision_requirements ORDER BY key"
        ):
            partition.decisions.add(
                DeployedDecisions(
                    key,
                    version,
                    resource_name,
                    checksum,
                    resource,
                    parse_dmn(resource_name, resource),
                    tuple(json.loads(decision_keys)),
                    deployment_key,
                    deployed_at,
                )
            )
        for (document,) in db.execute("SELECT runtime FROM process_instances WHERE runtime IS NOT NULL"):
            partition.index_instance(ProcessInstance.from_dict(json.loads(document)))
        row = db.execute("SELECT value FROM meta WHERE name = 'start_timers'").fetchone()
        for document in json.loads(row[0]) if row is not None else ():
            timer = Timer.from_dict(document)
            partition.start_timers[timer.key] = timer
            partition.schedule(timer.due, timer.key)
        for (document,) in db.execute("SELECT document FROM messages ORDER BY key"):
            message = BufferedMessage.from_dict(json.loads(document))
            partition.buffer_message(message)
            partition.schedule(message.deadline, message.key)

    # ------------------------------------------------------------------ writing
    @staticmethod
    def batch(partition: Partition, journal: Journal) -> Batch:
        """Serialise a journal; runs on the event loop thread so the objects cannot change meanwhile."""
        definitions = [
            (
                d.key,
                d.bpmn_process_id,
                d.version,
                d.process.name,
                d.resource_name,
                d.checksum,
                d.resource,
                d.deployment_key,
                d.deployed_at,
            )
            for d in journal.definitions
        ]
        decisions = [
            (
                d.key,
                d.requirements.id,
                d.version,
                d.resource_name,
                d.checksum,
                d.resource,
                _dumps(d.decision_keys),
                d.deployment_key,
                d.deployed_at,
            )
            for d in journal.decisions
        ]
        instances = [
            (
                i.key,
                i.definition_key,
                i.bpmn_process_id,
                i.version,
                i.state.value,
                i.start_date,
                i.end_date,
                1 if i.incidents else 0,
                _dumps(i.taken_flows),
                _dumps(i.to_dict()) if i.state is InstanceState.ACTIVE else None,
            )
            for i in journal.instances.values()
        ]
        elements = []
        for instance_key, e in journal.elements.values():
            instance = journal.instances[instance_key]
            elements.append(
                (
                    e.key,
                    instance_key,
                    instance.definition_key,
                    e.element_id,
                    e.element_type,
                    e.state.value,
                    e.start_date,
                    e.end_date,
                    e.incident_key,
                    e.flow_scope_key,
                    e.compensated_element_id,
                    e.compensated_element_key,
                )
            )
        variables = [
            (scope_key, name, instance_key, _dumps(value))
            for (scope_key, name), (instance_key, value) in journal.variables.items()
        ]
        incidents = []
        for incident, open_ in journal.incidents.values():
            instance = journal.instances[incident.process_instance_key]
            incidents.append(
                (
                    incident.key,
                    incident.process_instance_key,
                    instance.definition_key,
                    instance.bpmn_process_id,
                    incident.element_id,
                    incident.element_instance_key,
                    incident.job_key,
                    incident.type.value,
                    incident.message,
                    "ACTIVE" if open_ else "RESOLVED",
                    incident.created,
                )
            )
        messages = [(k, _dumps(m.to_dict())) for k, m in journal.messages.items() if m is not None]
        deleted = [(k,) for k, m in journal.messages.items() if m is None]
        return Batch(
            partition.next_key,
            definitions,
            decisions,
            instances,
            elements,
            variables,
            incidents,
            messages,
            deleted,
            _dumps([t.to_dict() for t in partition.start_timers.values()])
            if journal.start_timers_changed
            else None,
            journal.job_events,
        )

    def write(self, batch: Batch) -> None:
        """Write one batch in one transaction; returns once it is durable."""
        db = self._db
        db.execute("BEGIN")
        try:
            db.execute(
                "INSERT OR REPLACE INTO meta (name, value) VALUES ('next_key', ?)", (str(batch.next_key),)
            )
            if batch.definitions:
                db.executemany(
                    "INSERT OR REPLACE INTO process_definitions VALUES (?,?,?,?,?,?,?,?,?)", batch.definitions
                )
            if batch.decisions:
                db.executemany(
                    "INSERT INTO decision_requirements VALUES (?,?,?,?,?,?,?,?,?)", batch.decisions
                )
            if batch.instances:
                db.executemany(
                    "INSERT OR REPLACE INTO process_instances VALUES (?,?,?,?,?,?,?,?,?,?)", batch.instances
                )
            if batch.elements:
                db.executemany(
                    "INSERT OR REPLACE INTO flow_node_instances VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    batch.elements,
                )
            if batch.variables:
                db.executemany("INSERT OR REPLACE INTO variables VALUES (?,?,?,?)", batch.variables)
            if batch.incidents:
                db.executemany(
                    "INSERT OR REPLACE INTO incidents VALUES (?,?,?,?,?,?,?,?,?,?,?)", batch.incidents
                )
            if batch.messages:
                db.executemany("INSERT OR REPLACE INTO messages VALUES (?,?)", batch.messages)
            if batch.start_timers is not None:
                db.execute(
                    "INSERT OR REPLACE INTO meta (name, value) VALUES ('start_timers', ?)",
                    (batch.start_timers,),
                )
            if batch.job_events:
                db.executemany("INSERT INTO job_events VALUES (?,?,?,?,?,?,?,?,?,?)", batch.job_events)
            if batch.deleted_messages:
                db.executemany("DELETE FROM messages WHERE key = ?", batch.deleted_messages)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise


def read_connection(path: Path) -> sqlite3.Connection:
    """A connection for queries of the read API; WAL lets it read while the writer commits."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    db.row_factory = sqlite3.Row
    return db
