"""Runtime state of a partition: the objects commands read and change.

Everything here is plain data so that it can be written to disk as JSON after each batch of
commands and read back after a crash. A process instance owns its element instances, variables,
jobs, subscriptions and incidents; global indexes (jobs by type, timers by due date, message
subscriptions by name) are rebuilt from the instances on load.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, Self


class ElementState(StrEnum):
    """Zeebe's element instance lifecycle, as Operate shows it after mapping (see ``operate_state``)."""

    ACTIVATING = "ACTIVATING"
    ACTIVATED = "ACTIVATED"
    COMPLETING = "COMPLETING"
    COMPLETED = "COMPLETED"
    TERMINATING = "TERMINATING"
    TERMINATED = "TERMINATED"


class InstanceState(StrEnum):
    """Operate's process-instance states."""

    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    CANCELED = "CANCELED"


class JobState(StrEnum):
    """Zeebe's job states; the names appear in rejection messages."""

    ACTIVATABLE = "ACTIVATABLE"
    ACTIVATED = "ACTIVATED"
    FAILED = "FAILED"
    ERROR_THROWN = "ERROR_THROWN"


class IncidentType(StrEnum):
    JOB_NO_RETRIES = "JOB_NO_RETRIES"
    UNHANDLED_ERROR_EVENT = "UNHANDLED_ERROR_EVENT"
    EXTRACT_VALUE_ERROR = "EXTRACT_VALUE_ERROR"
    CONDITION_ERROR = "CONDITION_ERROR"
    IO_MAPPING_ERROR = "IO_MAPPING_ERROR"


class _Record:
    """JSON (de)serialisation shared by the state classes; nested records are listed in ``_nested``."""

    __slots__ = ()
    _nested: dict[str, type[_Record]] = {}  # noqa: RUF012
    _enums: dict[str, type[StrEnum]] = {}  # noqa: RUF012

    def to_dict(self) -> dict[str, Any]:
        """Shallow, without ``dataclasses.asdict``'s deep copies: this runs for every changed instance."""
        data = {name: getattr(self, name) for name in _field_names(type(self))}
        for name in self._nested:
            data[name] = {key: record.to_dict() for key, record in data[name].items()}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        names = set(_field_names(cls))
        values = {k: v for k, v in data.items() if k in names}
        for name, enum in cls._enums.items():
            if name in values:
                values[name] = enum(values[name])
        for name, nested in cls._nested.items():
            raw = values.get(name)
            if isinstance(raw, dict):
                values[name] = {_int_key(k): nested.from_dict(v) for k, v in raw.items()}
        return cls(**values)


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


def _int_key(key: str | int) -> int | str:
    return int(key) if isinstance(key, str) and key.lstrip("-").isdigit() else key


@dataclass(slots=True)
class ElementInstance(_Record):
    key: int
    element_id: str
    element_type: str
    flow_scope_key: int | None
    state: ElementState = ElementState.ACTIVATING
    start_date: float = 0.0
    end_date: float | None = None
    job_key: int | None = None
    incident_key: int | None = None
    active_children: int = 0
    waiting_tokens: dict[str, dict[str, int]] = field(default_factory=dict)
    """Parallel joins of this scope: gateway id -> incoming flow id -> tokens arrived."""
    multi_instance_index: int = 0
    """Multi-instance bodies: inner instances created so far; inner instances: their ``loopCounter``."""
    multi_instance_total: int = 0
    multi_instance_completed: int = 0
    completes_body: bool = False
    """Inner multi-instance instances: their completion condition was met."""
    multi_instance_items: list[Any] = field(default_factory=list)
    """Multi-instance bodies: the input collection, evaluated once at activation."""
    pending_compensations: list[int] = field(default_factory=list)
    """Compensation throw events: the handler instances this event waits for."""
    compensated_element_id: str | None = None
    """Compensation handlers: the activity they compensate."""
    compensated_element_key: int | None = None
    compensation_throw_key: int | None = None
    """Compensation handlers: the throw event waiting for them."""
    chosen_flow: str | None = None
    """Exclusive gateways: the flow their conditions selected."""
    interrupted: bool = False
    """Set on a scope whose interrupting event subprocess is running: no other event may interrupt it."""
    failed_step: str | None = None
    """The step an incident stopped (``activate`` or ``complete``); resolving the incident resumes it."""

    _enums = {"state": ElementState}  # noqa: RUF012


@dataclass(slots=True)
class Job(_Record):
    key: int
    type: str
    process_instance_key: int
    element_instance_key: int
    element_id: str
    retries: int
    custom_headers: dict[str, str] = field(default_factory=dict)
    state: JobState = JobState.ACTIVATABLE
    worker: str = ""
    deadline: float = 0.0
    recur_at: float | None = None
    error_message: str = ""
    error_code: str = ""
    incident_key: int | None = None

    _enums = {"state": JobState}  # noqa: RUF012


@dataclass(slots=True)
class Timer(_Record):
    key: int
    process_instance_key: int
    element_instance_key: int
    """The element the timer belongs to (the catch event, or the activity of a boundary event);
    for a timer start event, the process definition key."""
    target_element_id: str
    """The timer event that fires (catch event, boundary event or event subprocess start)."""
    due: float
    repetitions: int | None = 1
    """Firings left including the next one: None for ever (``R/...``)."""
    interval: str | None = None
    """Cycles: the ISO 8601 interval between firings."""
    cron: str | None = None
    """Cron cycles: the expression."""


@dataclass(slots=True)
class MessageSubscription(_Record):
    key: int
    process_instance_key: int
    element_instance_key: int
    target_element_id: str
    message_name: str
    correlation_key: str
    interrupting: bool = True


@dataclass(slots=True)
class CompensationSubscription(_Record):
    key: int
    activity_id: str
    activity_key: int
    scope_key: int
    """The flow scope instance the compensated activity completed in."""
    handler_id: str
    boundary_event_id: str
    triggered: bool = False


@dataclass(slots=True)
class Incident(_Record):
    key: int
    type: IncidentType
    message: str
    process_instance_key: int
    element_instance_key: int
    element_id: str
    job_key: int | None = None
    created: float = 0.0

    _enums = {"type": IncidentType}  # noqa: RUF012


@dataclass(slots=True)
class ProcessInstance(_Record):
    key: int
    definition_key: int
    bpmn_process_id: str
    version: int
    state: InstanceState = InstanceState.ACTIVE
    start_date: float = 0.0
    end_date: float | None = None
    elements: dict[int, ElementInstance] = field(default_factory=dict)
    variables: dict[int, dict[str, Any]] = field(default_factory=dict)
    jobs: dict[int, Job] = field(default_factory=dict)
    timers: dict[int, Timer] = field(default_factory=dict)
    subscriptions: dict[int, MessageSubscription] = field(default_factory=dict)
    compensations: dict[int, CompensationSubscription] = field(default_factory=dict)
    incidents: dict[int, Incident] = field(default_factory=dict)
    taken_flows: dict[str, int] = field(default_factory=dict)
    """Sequence flow id -> times taken, for the monitor."""
    start_correlation_key: str = ""
    """Instances started by a message: its correlation key (one such instance per key at a time)."""
    finished_scopes: dict[int, tuple[int, str]] = field(default_factory=dict)
    """Completed subprocess instance key -> (its flow scope key, its element id): compensation recurses into them."""

    _enums = {"state": InstanceState}  # noqa: RUF012
    _nested = {  # noqa: RUF012
        "elements": ElementInstance,
        "jobs": Job,
        "timers": Timer,
        "subscriptions": MessageSubscription,
        "compensations": CompensationSubscription,
        "incidents": Incident,
    }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        instance: Self = _Record.from_dict.__func__(cls, data)  # type: ignore[attr-defined]
        instance.variables = {int(k): v for k, v in data.get("variables", {}).items()}
        instance.finished_scopes = {int(k): (v[0], v[1]) for k, v in data.get("finished_scopes", {}).items()}
        return instance


@dataclass(slots=True)
class BufferedMessage(_Record):
    key: int
    name: str
    correlation_key: str
    variables: dict[str, Any]
    deadline: float
    message_id: str = ""
    correlated_processes: list[str] = field(default_factory=list)
    """BPMN process ids this message was already correlated to: a message correlates once per process."""
