"""The searchable objects of Operate's v1 API mapped onto the engine's tables (see ``sqlite_store.SCHEMA``).

Field names are Operate's. Fields the engine has no data for keep their place with a constant value
(``tenantId`` is always ``<default>``, a process instance has no parent, variables are never truncated),
so filters and sorts on them behave as they would in Operate without that data.
"""

from __future__ import annotations

from typing import Any

from engine.read_api.queries import (
    INTEGER,
    TENANT_ID,
    Condition,
    Field,
    Kind,
    QueryError,
    coerce,
    column,
    entity,
    one_of,
)

_TENANT = f"'{TENANT_ID}'"

PROCESS_DEFINITIONS = entity(
    "process_definitions d",
    [
        column("key", Kind.INT, "d.key"),
        column("name", Kind.STR, "d.name", nullable=True),
        column("version", Kind.INT, "d.version"),
        column("bpmnProcessId", Kind.STR, "d.bpmn_process_id"),
        column("tenantId", Kind.STR, _TENANT),
    ],
)

PROCESS_INSTANCES = entity(
    "process_instances p",
    [
        column("key", Kind.INT, "p.key"),
        column("processVersion", Kind.INT, "p.version"),
        column("bpmnProcessId", Kind.STR, "p.bpmn_process_id"),
        column("parentKey", Kind.INT, "NULL", nullable=True),
        column("parentFlowNodeInstanceKey", Kind.INT, "NULL", nullable=True),
        column("startDate", Kind.DATE, "p.start_date"),
        column("endDate", Kind.DATE, "p.end_date", nullable=True),
        column("state", Kind.STR, "p.state"),
        column("incident", Kind.BOOL, "p.incident"),
        column("processDefinitionKey", Kind.INT, "p.process_definition_key"),
        column("tenantId", Kind.STR, _TENANT),
    ],
    aliases={"parentProcessInstanceKey": "parentKey"},
)

# Operate shows three flow-node states; the engine stores Zeebe's element lifecycle states.
FLOW_NODE_STATES: dict[str, tuple[str, ...]] = {
    "ACTIVE": ("ACTIVATING", "ACTIVATED", "COMPLETING"),
    "COMPLETED": ("COMPLETED",),
    "TERMINATED": ("TERMINATING", "TERMINATED"),
}
_FLOW_NODE_STATE_SQL = (
    "CASE WHEN f.state IN ('ACTIVATING', 'ACTIVATED', 'COMPLETING') THEN 'ACTIVE' "
    "WHEN f.state IN ('TERMINATING', 'TERMINATED') THEN 'TERMINATED' ELSE f.state END"
)
_FLOW_NODE_INCIDENT_SQL = (
    "(f.incident_key IS NOT NULL AND EXISTS "
    "(SELECT 1 FROM incidents i WHERE i.key = f.incident_key AND i.state = 'ACTIVE'))"
)
FLOW_NODE_NAME_FUNCTION = "flow_node_name"
"""SQL function (registered on each connection) naming a flow node from its definition's BPMN."""

FLOW_NODE_INSTANCES = entity(
    "flow_node_instances f",
    [
        column("key", Kind.INT, "f.key"),
        column("processInstanceKey", Kind.INT, "f.process_instance_key"),
        column("processDefinitionKey", Kind.INT, "f.process_definition_key"),
        column("startDate", Kind.DATE, "f.start_date"),
        column("endDate", Kind.DATE, "f.end_date", nullable=True),
        column("flowNodeId", Kind.STR, "f.flow_node_id"),
        column(
            "flowNodeName",
            Kind.STR,
            f"{FLOW_NODE_NAME_FUNCTION}(f.process_definition_key, f.flow_node_id)",
            nullable=True,
        ),
        column("incidentKey", Kind.INT, "f.incident_key", nullable=True),
        column("type", Kind.STR, "f.type"),
        Field(
            "state",
            Kind.STR,
            _FLOW_NODE_STATE_SQL,
            (_FLOW_NODE_STATE_SQL,),
            where=one_of(FLOW_NODE_STATES, "f.state"),
        ),
        column("incident", Kind.BOOL, _FLOW_NODE_INCIDENT_SQL),
        column("tenantId", Kind.STR, _TENANT),
        # extension: the activity a compensation handler (or compensation boundary event) ran for
        column("compensatedFlowNodeId", Kind.STR, "f.compensated_flow_node_id", nullable=True),
        column(
            "compensatedFlowNodeInstanceKey", Kind.INT, "f.compensated_flow_node_instance_key", nullable=True
        ),
    ],
    # Operate lists the elements inside a process instance, not the process instance itself.
    conditions=("f.type <> 'PROCESS'",),
)

INCIDENTS = entity(
    "incidents i",
    [
        column("key", Kind.INT, "i.key"),
        column("processDefinitionKey", Kind.INT, "i.process_definition_key"),
        column("processInstanceKey", Kind.INT, "i.process_instance_key"),
        column("type", Kind.STR, "i.type"),
        column("message", Kind.STR, "i.message"),
        column("creationTime", Kind.DATE, "i.creation_time"),
        column("state", Kind.STR, "i.state"),
        column("jobKey", Kind.INT, "i.job_key", nullable=True),
        column("tenantId", Kind.STR, _TENANT),
        column("flowNodeId", Kind.STR, "i.flow_node_id"),
        column("flowNodeInstanceKey", Kind.INT, "i.flow_node_instance_key"),
    ],
)


def parse_variable_key(f: Field, value: Any) -> tuple[int, str]:
    """A variable key ``<scopeKey>-<name>`` as (scope key, name)."""
    if isinstance(value, str):
        scope, separator, name = value.partition("-")
        if separator and name and INTEGER.fullmatch(scope):
            return int(scope), name
    raise QueryError(f"Value for '{f.name}' must be a variable key '<scopeKey>-<name>', got {value!r}")


def _variable_key_filter(f: Field, value: Any) -> Condition:
    scope, name = parse_variable_key(f, coerce(f, value, "Filter"))
    return "v.scope_key = ? AND v.name = ?", [scope, name]


VARIABLE_KEY = Field(
    "key",
    Kind.STR,
    "CAST(v.scope_key AS TEXT) || '-' || v.name",
    ("v.scope_key", "v.name"),
    where=_variable_key_filter,
    decode=parse_variable_key,
    encode=lambda values: f"{values[0]}-{values[1]}",
)

VARIABLES = entity(
    "variables v",
    [
        VARIABLE_KEY,
        column("processInstanceKey", Kind.INT, "v.process_instance_key"),
        column("scopeKey", Kind.INT, "v.scope_key"),
        column("name", Kind.STR, "v.name"),
        column("value", Kind.STR, "v.value"),
        column("truncated", Kind.BOOL, "0"),
        column("tenantId", Kind.STR, _TENANT),
    ],
)
