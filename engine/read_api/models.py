"""Request and response bodies of the API, with Operate's (camelCase) field names."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from engine.read_api.queries import DEFAULT_SIZE


class ApiModel(BaseModel):
    """camelCase on the wire, snake_case in Python; either is accepted when reading."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class Sort(ApiModel):
    field: str | None = None
    order: str | None = None


class Query(ApiModel):
    """Operate's search request: ``filter`` fields match by equality; page with ``searchAfter``."""

    filter: dict[str, Any] | None = None
    size: int = DEFAULT_SIZE
    sort: list[Sort] | None = None
    search_after: list[Any] | None = None


class ProcessDefinition(ApiModel):
    key: int
    name: str | None
    version: int
    bpmn_process_id: str
    tenant_id: str


class ProcessInstance(ApiModel):
    key: int
    process_version: int
    bpmn_process_id: str
    parent_key: int | None
    parent_flow_node_instance_key: int | None
    start_date: str
    end_date: str | None
    state: str
    incident: bool
    process_definition_key: int
    tenant_id: str


class FlowNodeInstance(ApiModel):
    key: int
    process_instance_key: int
    process_definition_key: int
    start_date: str
    end_date: str | None
    flow_node_id: str
    flow_node_name: str | None
    incident_key: int | None
    type: str
    state: str
    incident: bool
    tenant_id: str
    compensated_flow_node_id: str | None
    """Extension: the activity this compensation handler ran for."""
    compensated_flow_node_instance_key: int | None
    """Extension: the instance of the activity this compensation handler ran for."""


class Incident(ApiModel):
    key: int
    process_definition_key: int
    process_instance_key: int
    type: str
    message: str
    creation_time: str
    state: str
    job_key: int | None
    tenant_id: str
    flow_node_id: str
    flow_node_instance_key: int


class Variable(ApiModel):
    key: str
    """``<scopeKey>-<name>``: the engine keeps no separate variable key."""
    process_instance_key: int
    scope_key: int
    name: str
    value: str
    """The value as JSON text."""
    truncated: bool
    tenant_id: str


Item = TypeVar("Item", bound=ApiModel)


class Results(ApiModel, Generic[Item]):
    """A page: ``sortValues`` are the last item's; pass them as ``searchAfter`` for the next page."""

    items: list[Item]
    total: int
    sort_values: list[Any]


class Problem(BaseModel):
    """RFC 9457 problem details; ``message`` repeats ``detail`` where Operate's error object has it."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str
    message: str


class Health(BaseModel):
    status: str
