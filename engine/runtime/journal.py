"""What changed since the last flush: the unit the store makes durable in one transaction.

Commands record their effects here as they apply them; the store turns the journal into rows when a
batch is flushed. Objects are recorded by reference and serialised at flush time, so the rows hold
the state as of the end of the batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.runtime.definitions import DeployedDecisions, DeployedProcess
from engine.runtime.state import BufferedMessage, ElementInstance, Incident, Job, ProcessInstance


@dataclass(slots=True)
class Journal:
    instances: dict[int, ProcessInstance] = field(default_factory=dict)
    elements: dict[int, tuple[int, ElementInstance]] = field(default_factory=dict)
    variables: dict[tuple[int, str], tuple[int, Any]] = field(default_factory=dict)
    incidents: dict[int, tuple[Incident, bool]] = field(default_factory=dict)
    """Incident key -> (incident, still open)."""
    definitions: list[DeployedProcess] = field(default_factory=list)
    decisions: list[DeployedDecisions] = field(default_factory=list)
    messages: dict[int, BufferedMessage | None] = field(default_factory=dict)
    """Buffered messages written (or None: deleted)."""
    start_timers_changed: bool = False
    job_events: list[tuple[Any, ...]] = field(default_factory=list)
    """The jobs' history, appended as it happens: one row per state change (see ``job``)."""

    def __bool__(self) -> bool:
        return bool(
            self.instances
            or self.elements
            or self.variables
            or self.incidents
            or self.definitions
            or self.decisions
            or self.messages
            or self.start_timers_changed
            or self.job_events
        )

    def instance(self, instance: ProcessInstance) -> None:
        self.instances[instance.key] = instance

    def element(self, instance: ProcessInstance, element: ElementInstance) -> None:
        self.instances[instance.key] = instance
        self.elements[element.key] = (instance.key, element)

    def variable(self, instance: ProcessInstance, scope_key: int, name: str, value: Any) -> None:
        self.instances[instance.key] = instance
        self.variables[(scope_key, name)] = (instance.key, value)

    def incident(self, instance: ProcessInstance, incident: Incident, *, open_: bool) -> None:
        self.instances[instance.key] = instance
        self.incidents[incident.key] = (incident, open_)

    def job(self, job: Job, event: str, time: float, message: str = "") -> None:
        """A change of ``job`` (Zeebe's job intents: CREATED, ACTIVATED, FAILED, ...), as it is now.

        Recorded as a row at once (not by reference): the history keeps each step, not the last state.
        """
        self.job_events.append(
            (
                job.key,
                job.process_instance_key,
                job.element_instance_key,
                job.element_id,
                job.type,
                event,
                time,
                job.worker,
                job.retries,
                message,
            )
        )

    def message(self, key: int, message: BufferedMessage | None) -> None:
        self.messages[key] = message
