"""How far a checkout has come, derived from what Operate knows about its process instance.

The adapter turns Operate's documents into a :class:`ProcessSnapshot`; :func:`progress_of` applies the
status rules:

=========================================================  ==============  ======
process instance                                           status          final
=========================================================  ==============  ======
not visible yet (Operate imports with a lag)               ``RUNNING``     no
active, no incident                                        ``RUNNING``     no
active with an incident (stuck until an operator acts)     ``FAILED``      no
ended, ``checkout_completed`` completed                    ``COMPLETED``   yes
ended, ``checkout_compensated`` completed                  ``COMPENSATED`` yes
ended, neither end event seen yet (import lag)             ``RUNNING``     no
cancelled by an operator                                   ``FAILED``      yes
=========================================================  ==============  ======

*Final* means the instance has ended: the document can never change again, so the gateway stores it
and stops asking Operate. The failure is the incident's when stuck, else ``errorCode``/``errorMessage``
(set by the diagram when a step's BPMN error or the payment time limit started the compensation).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from gateway.domain.elements import (
    COMPENSATED_END_EVENT,
    COMPLETED_END_EVENT,
    SERVICE_TASKS,
    ElementKind,
)
from gateway.domain.model import CheckoutStatus
from services.common.money import Money


class InstanceState(StrEnum):
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    CANCELED = "CANCELED"


class NodeState(StrEnum):
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    TERMINATED = "TERMINATED"


@dataclass(frozen=True)
class ProcessInstance:
    key: int
    state: InstanceState
    incident: bool
    start_date: datetime | None = None
    end_date: datetime | None = None


@dataclass(frozen=True)
class FlowNode:
    key: int
    element_id: str
    name: str | None
    state: NodeState
    started_at: datetime | None
    ended_at: datetime | None
    incident: bool = False


@dataclass(frozen=True)
class Incident:
    key: int
    type: str
    message: str
    element_id: str


@dataclass(frozen=True)
class ProcessSnapshot:
    """Operate's view of one process instance: ``instance`` is None while Operate has not imported it."""

    instance: ProcessInstance | None
    flow_nodes: Sequence[FlowNode] = ()
    variables: Mapping[str, Any] | None = None
    incidents: Sequence[Incident] = ()


@dataclass(frozen=True)
class TimelineEntry:
    element_id: str
    name: str
    kind: ElementKind
    compensates: str | None
    state: NodeState
    started_at: datetime | None
    ended_at: datetime | None
    incident: bool


@dataclass(frozen=True)
class Amounts:
    subtotal: Money | None
    discount: Money | None
    tax: Money | None
    total: Money | None


@dataclass(frozen=True)
class Failure:
    code: str
    reason: str


@dataclass(frozen=True)
class Progress:
    status: CheckoutStatus
    final: bool
    timeline: tuple[TimelineEntry, ...]
    amounts: Amounts | None
    order_id: str | None
    failure: Failure | None
    last_change: datetime | None
    """When anything last happened to the instance (for ``updated_at``)."""


INCIDENT_CODE = "INCIDENT"
CANCELLED_CODE = "CHECKOUT_CANCELLED"
UNKNOWN_FAILURE_CODE = "UNKNOWN_FAILURE"
_NEVER = datetime.max.replace(tzinfo=UTC)


def _completed(nodes: Sequence[FlowNode], element_id: str) -> bool:
    return any(n.element_id == element_id and n.state is NodeState.COMPLETED for n in nodes)


def status_of(snapshot: ProcessSnapshot) -> tuple[CheckoutStatus, bool]:
    """The status and whether it is final (see the table in the module docstring)."""
    instance = snapshot.instance
    if instance is None:
        return CheckoutStatus.RUNNING, False
    if instance.state is InstanceState.CANCELED:
        return CheckoutStatus.FAILED, True
    if instance.state is InstanceState.COMPLETED:
        if _completed(snapshot.flow_nodes, COMPENSATED_END_EVENT):
            return CheckoutStatus.COMPENSATED, True
        if _completed(snapshot.flow_nodes, COMPLETED_END_EVENT):
            return CheckoutStatus.COMPLETED, True
        return CheckoutStatus.RUNNING, False
    if instance.incident or snapshot.incidents:
        return CheckoutStatus.FAILED, False
    return CheckoutStatus.RUNNING, False


def timeline_of(nodes: Sequence[FlowNode]) -> tuple[TimelineEntry, ...]:
    """The diagram's service tasks the instance ran, in start order (key order breaks ties)."""
    ordered = sorted(
        (n for n in nodes if n.element_id in SERVICE_TASKS),
        key=lambda n: (n.started_at or _NEVER, n.key),
    )
    entries = []
    for node in ordered:
        element = SERVICE_TASKS[node.element_id]
        entries.append(
            TimelineEntry(
                element_id=node.element_id,
                name=node.name or element.name,
                kind=element.kind,
                compensates=element.compensates,
                state=node.state,
                started_at=node.started_at,
                ended_at=node.ended_at,
                incident=node.incident,
            )
        )
    return tuple(entries)


def _money(value: Any, currency: Any) -> Money | None:
    """A Money document (``{"amount_minor", "currency"}``), or bare minor units in the quote's currency."""
    if isinstance(value, Mapping):
        amount, currency = value.get("amount_minor"), value.get("currency", currency)
    else:
        amount = value
    if type(amount) is not int or not isinstance(currency, str):
        return None
    try:
        return Money(amount, currency)
    except ValueError:
        return None


def amounts_of(quote: Any) -> Amounts | None:
    """The amounts of the ``quote`` variable the pricing step writes; None before pricing."""
    if not isinstance(quote, Mapping):
        return None
    currency = quote.get("currency")
    amounts = Amounts(
        *(_money(quote.get(name), currency) for name in ("subtotal", "discount", "tax", "total"))
    )
    if amounts == Amounts(None, None, None, None):
        return None
    return amounts


def failure_of(
    status: CheckoutStatus, final: bool, variables: Mapping[str, Any], incidents: Sequence[Incident]
) -> Failure | None:
    """Why the checkout failed, or is failing: the incident when stuck, else errorCode/errorMessage."""
    code, message = variables.get("errorCode"), variables.get("errorMessage")
    reason = message if isinstance(message, str) else ""
    if status is CheckoutStatus.FAILED and not final:
        if incidents:
            incident = min(incidents, key=lambda i: i.key)
            return Failure(incident.type or INCIDENT_CODE, incident.message)
        return Failure(INCIDENT_CODE, "the checkout is stuck on an incident")
    if isinstance(code, str) and code:
        return Failure(code, reason)
    if status is CheckoutStatus.FAILED:
        return Failure(CANCELLED_CODE, reason or "the checkout's process instance was cancelled")
    if status is CheckoutStatus.COMPENSATED:
        return Failure(UNKNOWN_FAILURE_CODE, reason or "the checkout was compensated without an error code")
    return None


def _last_change(snapshot: ProcessSnapshot) -> datetime | None:
    moments = [m for n in snapshot.flow_nodes for m in (n.started_at, n.ended_at) if m is not None]
    if snapshot.instance is not None:
        moments += [m for m in (snapshot.instance.start_date, snapshot.instance.end_date) if m is not None]
    return max(moments, default=None)


def progress_of(snapshot: ProcessSnapshot) -> Progress:
    status, final = status_of(snapshot)
    variables = snapshot.variables or {}
    order_id = variables.get("orderId")
    if type(order_id) is int:
        order_id = str(order_id)
    return Progress(
        status=status,
        final=final,
        timeline=timeline_of(snapshot.flow_nodes),
        amounts=amounts_of(variables.get("quote")),
        order_id=order_id if isinstance(order_id, str) else None,
        failure=failure_of(status, final, variables, snapshot.incidents),
        last_change=_last_change(snapshot),
    )
