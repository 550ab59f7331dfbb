"""Operate REST API v1 documents (camelCase JSON) read into the domain's snapshot types.

Tolerant by design: Operate adds fields and states over versions, so unknown fields are ignored and
unknown states read as the safe choice (an instance or element still active), never as an end. Dates
are Operate's ``2024-01-01T10:00:00.000+0000`` (any ISO 8601 offset works; none means UTC).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from gateway.domain.progress import FlowNode, Incident, InstanceState, NodeState, ProcessInstance

_INSTANCE_STATES = {
    "ACTIVE": InstanceState.ACTIVE,
    "INCIDENT": InstanceState.ACTIVE,
    "COMPLETED": InstanceState.COMPLETED,
    "CANCELED": InstanceState.CANCELED,
    "CANCELLED": InstanceState.CANCELED,
    "TERMINATED": InstanceState.CANCELED,
}
_NODE_STATES = {"COMPLETED": NodeState.COMPLETED, "TERMINATED": NodeState.TERMINATED}


def parse_date(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_instance(document: Mapping[str, Any]) -> ProcessInstance:
    state = str(document.get("state", "ACTIVE")).upper()
    return ProcessInstance(
        key=int(document["key"]),
        state=_INSTANCE_STATES.get(state, InstanceState.ACTIVE),
        incident=bool(document.get("incident")) or state == "INCIDENT",
        start_date=parse_date(document.get("startDate")),
        end_date=parse_date(document.get("endDate")),
    )


def parse_flow_node(document: Mapping[str, Any]) -> FlowNode:
    name = document.get("flowNodeName")
    return FlowNode(
        key=int(document["key"]),
        element_id=str(document.get("flowNodeId", "")),
        name=name if isinstance(name, str) and name else None,
        state=_NODE_STATES.get(str(document.get("state", "")).upper(), NodeState.ACTIVE),
        started_at=parse_date(document.get("startDate")),
        ended_at=parse_date(document.get("endDate")),
        incident=bool(document.get("incident")),
    )


def parse_incident(document: Mapping[str, Any]) -> Incident:
    return Incident(
        key=int(document["key"]),
        type=str(document.get("type") or ""),
        message=str(document.get("message") or ""),
        element_id=str(document.get("flowNodeId") or ""),
    )


def parse_variable_value(text: Any) -> Any:
    """A variable's value: Operate sends it as JSON text."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text
