"""Deployment rejections of BPMN resources, worded like Zeebe's.

Zeebe rejects a deployment with one message for all resources::

    Expected to deploy new resources, but encountered the following errors:
    'checkout.bpmn': - Element: ServiceTask_1
        - ERROR: Must have exactly one 'zeebe:taskDefinition' extension element
    - Element: Gateway_1
        - ERROR: Default flow must start at gateway

Problems are grouped by element; an element is named by its id, or for a part of an element
without an id (an extension element, an event definition) by the chain from the closest element
with an id, e.g. ``ServiceTask_1 > extensionElements > taskDefinition``. A resource that cannot be
read at all (XML not well-formed) has a single problem without element.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["REJECTION_PREFIX", "BpmnValidationError", "Problem", "deployment_rejection"]

REJECTION_PREFIX = "Expected to deploy new resources, but encountered the following errors:"


@dataclass(frozen=True, slots=True)
class Problem:
    element: str | None
    """The element identifier (``Task_1`` or ``Task_1 > extensionElements > taskDefinition``); None
    when the problem concerns the resource as a whole."""
    message: str


class BpmnValidationError(ValueError):
    """A BPMN resource that Zeebe would refuse to deploy; ``str()`` is Zeebe's rejection reason."""

    def __init__(self, resource_name: str, problems: Iterable[Problem]) -> None:
        self.resource_name = resource_name
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(f"{REJECTION_PREFIX}\n{self.resource_message}")

    @property
    def resource_message(self) -> str:
        """This resource's part of the rejection: ``'name.bpmn': - Element: ...``."""
        lines: list[str] = [problem.message for problem in self.problems if problem.element is None]
        grouped: dict[str, list[str]] = {}
        for problem in self.problems:
            if problem.element is not None:
                grouped.setdefault(problem.element, []).append(problem.message)
        text = "\n".join(lines)
        if grouped:
            if text:
                text += "\n"
            for element, messages in grouped.items():
                text += f"- Element: {element}\n"
                text += "".join(f"    - ERROR: {message}\n" for message in messages)
        return f"'{self.resource_name}': {text}"

    def __str__(self) -> str:
        return f"{REJECTION_PREFIX}\n{self.resource_message}"


def deployment_rejection(errors: Iterable[BpmnValidationError]) -> str:
    """The rejection reason for a deployment of several resources, as Zeebe joins them."""
    return REJECTION_PREFIX + "".join(f"\n{error.resource_message}" for error in errors)
