"""Operate REST v1 documents as the API sends them, for the unit tests' snapshots."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from gateway.adapters.operate_documents import (
    parse_flow_node,
    parse_incident,
    parse_instance,
    parse_variable_value,
)
from gateway.domain.progress import ProcessSnapshot

INSTANCE_KEY = 2251799813685249


def instance(state: str = "ACTIVE", incident: bool = False, end: str | None = None) -> dict[str, Any]:
    return {
        "key": INSTANCE_KEY,
        "processVersion": 1,
        "bpmnProcessId": "checkout",
        "startDate": "2026-01-01T10:00:00.000+0000",
        "endDate": end,
        "state": state,
        "incident": incident,
        "processDefinitionKey": 2251799813685248,
        "tenantId": "<default>",
    }


def node(
    key: int,
    element_id: str,
    state: str = "COMPLETED",
    start: str = "10:00:01.000",
    end: str | None = "10:00:02.000",
    incident: bool = False,
    name: str | None = None,
) -> dict[str, Any]:
    return {
        "key": key,
        "processInstanceKey": INSTANCE_KEY,
        "startDate": f"2026-01-01T{start}+0000",
        "endDate": f"2026-01-01T{end}+0000" if end else None,
        "flowNodeId": element_id,
        "flowNodeName": name,
        "type": "SERVICE_TASK",
        "state": state,
        "incident": incident,
        "tenantId": "<default>",
    }


def variable(name: str, value: Any) -> dict[str, Any]:
    return {
        "key": f"{INSTANCE_KEY}-{name}",
        "processInstanceKey": INSTANCE_KEY,
        "scopeKey": INSTANCE_KEY,
        "name": name,
        "value": json.dumps(value),
        "truncated": False,
    }


def incident(
    message: str, element_id: str = "capture_payment", kind: str = "JOB_NO_RETRIES"
) -> dict[str, Any]:
    return {
        "key": 2251799813685300,
        "processInstanceKey": INSTANCE_KEY,
        "type": kind,
        "message": message,
        "creationTime": "2026-01-01T10:00:05.000+0000",
        "state": "ACTIVE",
        "jobKey": 2251799813685299,
        "flowNodeId": element_id,
        "flowNodeInstanceKey": 2251799813685298,
    }


def snapshot(
    instance_document: dict[str, Any] | None,
    nodes: Sequence[dict[str, Any]] = (),
    variables: Sequence[dict[str, Any]] = (),
    incidents: Sequence[dict[str, Any]] = (),
) -> ProcessSnapshot:
    return ProcessSnapshot(
        instance=None if instance_document is None else parse_instance(instance_document),
        flow_nodes=[parse_flow_node(n) for n in nodes],
        variables={v["name"]: parse_variable_value(v["value"]) for v in variables},
        incidents=[parse_incident(i) for i in incidents],
    )
