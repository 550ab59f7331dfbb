"""The diagram's elements the gateway reports on, in one place: bpmn/checkout.bpmn by element id.

A checkout's timeline lists the service tasks of the diagram: the five forward steps and the tasks
that undo them. ``compensates`` names the step a compensation undoes. ``cancel_abandoned_capture`` is
no compensation handler in BPMN terms (it follows the payment time limit, because Zeebe compensates
completed activities only), but for a client it undoes ``capture_payment`` like a handler would.
A unit test checks this table against the diagram, so a renamed element cannot silently vanish from
timelines.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

PROCESS_ID = "checkout"
"""BPMN process id of bpmn/checkout.bpmn; which version instances start on: ``domain.rollout``."""

COMPLETED_END_EVENT = "checkout_completed"
"""End event reached when every step succeeded."""
COMPENSATED_END_EVENT = "checkout_compensated"
"""End event of the compensation event subprocess: the checkout failed and was undone."""


class ElementKind(StrEnum):
    STEP = "STEP"
    COMPENSATION = "COMPENSATION"


@dataclass(frozen=True)
class ServiceTaskElement:
    element_id: str
    name: str
    kind: ElementKind
    compensates: str | None = None


def _step(element_id: str, name: str) -> ServiceTaskElement:
    return ServiceTaskElement(element_id, name, ElementKind.STEP)


def _undo(element_id: str, name: str, step: str) -> ServiceTaskElement:
    return ServiceTaskElement(element_id, name, ElementKind.COMPENSATION, step)


STEPS: tuple[ServiceTaskElement, ...] = (
    _step("reserve_cart", "Reserve cart"),
    _step("quote_price", "Quote price"),
    _step("capture_payment", "Capture payment"),
    _step("allocate_inventory", "Allocate inventory"),
    _step("create_order", "Create order"),
)
"""The forward steps, in the order the diagram runs them."""

COMPENSATIONS: tuple[ServiceTaskElement, ...] = (
    _undo("release_cart", "Release cart", "reserve_cart"),
    _undo("void_quote", "Void price quote", "quote_price"),
    _undo("refund_payment", "Refund payment", "capture_payment"),
    _undo("release_inventory", "Release inventory", "allocate_inventory"),
    _undo("cancel_order", "Cancel order", "create_order"),
    _undo("cancel_abandoned_capture", "Cancel abandoned capture", "capture_payment"),
)
"""The tasks that undo a step (see the module docstring for ``cancel_abandoned_capture``)."""

SERVICE_TASKS = MappingProxyType({element.element_id: element for element in STEPS + COMPENSATIONS})
"""Every service task of the diagram, by element id."""
