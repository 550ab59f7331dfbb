"""Queries behind the monitor (``/monitor``) that Operate's v1 search endpoints cannot answer.

- instance counts per state for every process definition (the definitions view);
- the instance list with range and variable filters, sorted and paged by an opaque keyset cursor;
- per-element state counts of one instance, with compensation and taken sequence flows (the diagram).

Each runs in one read snapshot and uses an index: the store's ``(process_definition_key, state)``,
``(state, key)``, ``(start_date, key)`` and ``incidents (state, key)`` ones and the monitor's partial
index on root variable values (``variables_root_values``).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from engine.read_api.database import ReadDatabase
from engine.read_api.dates import parse_date_millis
from engine.read_api.entities import PROCESS_INSTANCES
from engine.read_api.queries import Condition, QueryError, build_search, to_item
from engine.storage.sqlite_store import ROOT_VALUE_INDEX_LIMIT

VARIABLE_VALUE_CONDITION = (
    f"v.scope_key = v.process_instance_key AND length(v.value) <= {ROOT_VALUE_INDEX_LIMIT}"
)
"""The condition of the store's partial index ``variables_root_values``, as queries must repeat it
(aliased ``v``) for SQLite to use the index."""

INSTANCE_STATES = ("ACTIVE", "COMPLETED", "CANCELED")
SORTABLE = ("startDate", "endDate", "key", "processVersion")
"""Sort fields the list offers."""
ELEMENT_STATES = ("active", "completed", "terminated", "incident", "compensated")

_ELEMENT_STATE_SQL = (
    "CASE WHEN state IN ('ACTIVATING', 'ACTIVATED', 'COMPLETING') THEN 'active' "
    "WHEN state IN ('TERMINATING', 'TERMINATED') THEN 'terminated' "
    "WHEN state = 'COMPLETED' THEN 'completed' END"
)
_ACTIVE_INCIDENT = "SELECT process_instance_key FROM incidents WHERE state = 'ACTIVE'"


# --------------------------------------------------------------------------- definitions
def definition_statistics(database: ReadDatabase) -> list[dict[str, Any]]:
    """Every definition (newest version first per process) with its instance counts per state.

    ``incidents`` counts active instances with an active incident (they are in ``active`` too).
    """
    with database.snapshot() as db:
        definitions = db.execute(
            "SELECT key, bpmn_process_id, name, version FROM process_definitions "
            "ORDER BY bpmn_process_id, version DESC"
        ).fetchall()
        per_state = db.execute(
            "SELECT process_definition_key, state, COUNT(*) FROM process_instances "
            "GROUP BY process_definition_key, state"
        ).fetchall()
        with_incident = db.execute(
            "SELECT process_definition_key, COUNT(DISTINCT process_instance_key) FROM incidents "
            "WHERE state = 'ACTIVE' GROUP BY process_definition_key"
        ).fetchall()
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(("incidents", *INSTANCE_STATES), 0))
    for key, state, count in per_state:
        counts[key][state] = count
    for key, count in with_incident:
        counts[key]["incidents"] = count
    return [
        {
            "key": row["key"],
            "bpmnProcessId": row["bpmn_process_id"],
            "name": row["name"],
            "version": row["version"],
            "active": counts[row["key"]]["ACTIVE"],
            "incidents": counts[row["key"]]["incidents"],
            "completed": counts[row["key"]]["COMPLETED"],
            "canceled": counts[row["key"]]["CANCELED"],
        }
        for row in definitions
    ]


# --------------------------------------------------------------------------- instance list
@dataclass(frozen=True, slots=True)
class InstanceFilter:
    """The list's filters; ``None`` means "any". Dates are ISO 8601 (``Z``/offsets; none means UTC)."""

    state: str | None = None
    bpmn_process_id: str | None = None
    process_definition_key: int | None = None
    incident: bool | None = None
    started_from: str | None = None
    started_to: str | None = None
    variable_name: str | None = None
    variable_value: str | None = None
    """Matched as the JSON text of the value, or as a string (``abc`` matches ``"abc"``)."""

    def equalities(self) -> dict[str, Any]:
        if self.state is not None and self.state not in INSTANCE_STATES:
            raise QueryError(f"state must be one of {', '.join(INSTANCE_STATES)}, got {self.state!r}")
        given = {
            "state": self.state,
            "bpmnProcessId": self.bpmn_process_id,
            "processDefinitionKey": self.process_definition_key,
        }
        return {name: value for name, value in given.items() if value is not None}

    def conditions(self) -> list[Condition]:
        found: list[Condition] = []
        if self.incident is not None:
            # through the incidents' (state, key) index rather than a scan of p.incident
            found.append((f"p.key {'' if self.incident else 'NOT '}IN ({_ACTIVE_INCIDENT})", []))
        if self.started_from:
            found.append(("p.start_date >= ?", [_seconds(self.started_from, "from")]))
        if self.started_to:
            found.append(("p.start_date < ?", [_seconds(self.started_to, "to")]))
        if self.variable_name and self.variable_value is not None:
            found.append(_variable_condition(self.variable_name, self.variable_value))
        return found


def _seconds(text: str, what: str) -> float:
    try:
        return parse_date_millis(text) / 1000
    except ValueError:
        raise QueryError(f"'{what}' must be an ISO 8601 date, got {text!r}") from None


def _variable_condition(name: str, value: str) -> Condition:
    texts = {text for text in (value, json.dumps(value)) if len(text) <= ROOT_VALUE_INDEX_LIMIT}
    if not texts:
        raise QueryError(
            f"variable values longer than {ROOT_VALUE_INDEX_LIMIT} characters cannot be searched"
        )
    placeholders = ", ".join("?" * len(texts))
    return (
        f"p.key IN (SELECT v.process_instance_key FROM variables v WHERE v.name = ? "
        f"AND {VARIABLE_VALUE_CONDITION} AND v.value IN ({placeholders}))",
        [name, *sorted(texts)],
    )


def encode_cursor(sort_values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(sort_values).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):
        raise QueryError("invalid cursor") from None
    if not isinstance(values, list) or not values:
        raise QueryError("invalid cursor")
    return values


@dataclass(frozen=True, slots=True)
class InstancePage:
    items: list[dict[str, Any]]
    total: int
    next_cursor: str | None
    """Pass back as ``cursor`` for the next page; ``None`` on the last page."""


def search_instances(
    database: ReadDatabase,
    filter_: InstanceFilter,
    *,
    sort: str = "startDate",
    order: str = "DESC",
    size: int = 50,
    cursor: str | None = None,
    key_variable: str | None = None,
) -> InstancePage:
    """One page of process instances; each item also carries ``keyVariable``'s root value (JSON text)."""
    if sort not in SORTABLE:
        raise QueryError(f"sort must be one of {', '.join(SORTABLE)}, got {sort!r}")
    plan = build_search(
        PROCESS_INSTANCES,
        filter_=filter_.equalities(),
        size=size + 1,  # one more tells whether there is a next page
        sort=[(sort, order)],
        search_after=decode_cursor(cursor) if cursor is not None else None,
        extra=filter_.conditions(),
    )
    with database.snapshot() as db:
        rows = db.execute(plan.sql, plan.params).fetchall()
        ((total,),) = db.execute(plan.count_sql, plan.count_params).fetchall()
        items = [to_item(PROCESS_INSTANCES, row) for row in rows[:size]]
        for item in items:
            item["keyValue"] = None
            if key_variable:
                found = db.execute(
                    "SELECT value FROM variables WHERE scope_key = ? AND name = ?",
                    (item["key"], key_variable),
                ).fetchone()
                item["keyValue"] = found[0] if found is not None else None
    more = len(rows) > size
    return InstancePage(items, int(total), encode_cursor(plan.sort_values(rows[size - 1])) if more else None)


# --------------------------------------------------------------------------- one instance's elements
def element_statistics(database: ReadDatabase, instance_key: int) -> dict[str, Any] | None:
    """Per element id: how many of its instances are active, completed, terminated, in an incident or
    compensated (a completed compensation handler ran for it); and each taken sequence flow's count.
    ``None`` if there is no such instance."""
    with database.snapshot() as db:
        instance = db.execute(
            "SELECT taken_flows FROM process_instances WHERE key = ?", (instance_key,)
        ).fetchone()
        if instance is None:
            return None
        states = db.execute(
            f"SELECT flow_node_id, {_ELEMENT_STATE_SQL}, COUNT(*) FROM flow_node_instances "
            "WHERE process_instance_key = ? AND type <> 'PROCESS' GROUP BY 1, 2",
            (instance_key,),
        ).fetchall()
        incidents = db.execute(
            "SELECT flow_node_id, COUNT(*) FROM incidents WHERE process_instance_key = ? AND state = 'ACTIVE' "
            "GROUP BY flow_node_id",
            (instance_key,),
        ).fetchall()
        # the handler (not the compensation boundary event, which carries the same reference) completed
        compensated = db.execute(
            "SELECT compensated_flow_node_id, COUNT(DISTINCT compensated_flow_node_instance_key) "
            "FROM flow_node_instances WHERE process_instance_key = ? AND compensated_flow_node_id IS NOT NULL "
            "AND state = 'COMPLETED' AND type <> 'BOUNDARY_EVENT' GROUP BY 1",
            (instance_key,),
        ).fetchall()
    elements: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(ELEMENT_STATES, 0))
    for element_id, state, count in states:
        if state is not None:
            elements[element_id][state] += count
    for element_id, count in incidents:
        elements[element_id]["incident"] = count
    for element_id, count in compensated:
        elements[element_id]["compensated"] = count
    taken = json.loads(instance["taken_flows"] or "{}")
    return {"elements": dict(elements), "takenFlows": taken}
