"""Who is told when process instances and element instances start and end, as the engine applies it.

The runtime calls these hooks from the few places where a lifecycle transition happens
(``Execution``: creating an instance or an element instance, finishing one, raising or closing an
incident), on the event loop thread, after the transition is applied to the state. They are called
for live transitions only: loading the state from disk at start-up rebuilds indexes without going
through ``Execution``, so an observer never hears of an instance twice.

An observer must be quick and must not raise or change the state: it runs inside a command. The
default is :data:`NO_OBSERVER`, so an engine that traces nothing pays one empty call per transition.
"""

from __future__ import annotations

from typing import Protocol

from engine.runtime.state import ElementInstance, Incident, ProcessInstance


class LifecycleObserver(Protocol):
    """Hears of lifecycle transitions; the instance's dates (``start_date``, ``end_date``) are set."""

    def instance_started(self, instance: ProcessInstance) -> None:
        """Created, with its root variables set, before its first element (its start event) starts."""

    def instance_ended(self, instance: ProcessInstance) -> None:
        """Completed or canceled (``instance.state``), after every element instance in it has ended."""

    def element_started(self, instance: ProcessInstance, element: ElementInstance) -> None:
        """An element instance was created (Zeebe's ELEMENT_ACTIVATING). Not told for the process
        itself (the root element instance, whose key is the instance's): that is ``instance_started``."""

    def element_ended(self, instance: ProcessInstance, element: ElementInstance) -> None:
        """An element instance is COMPLETED or TERMINATED (``element.state``); not told for the root."""

    def incident_raised(self, instance: ProcessInstance, incident: Incident) -> None:
        """An incident stopped ``incident.element_instance_key`` (possibly the root: the instance key)."""

    def incident_closed(self, instance: ProcessInstance, incident: Incident) -> None:
        """An incident was resolved, or closed because its element instance was terminated."""


class NoObserver:
    """Hears nothing: the runtime's default, when nothing is traced."""

    __slots__ = ()

    def instance_started(self, instance: ProcessInstance) -> None:
        pass

    def instance_ended(self, instance: ProcessInstance) -> None:
        pass

    def element_started(self, instance: ProcessInstance, element: ElementInstance) -> None:
        pass

    def element_ended(self, instance: ProcessInstance, element: ElementInstance) -> None:
        pass

    def incident_raised(self, instance: ProcessInstance, incident: Incident) -> None:
        pass

    def incident_closed(self, instance: ProcessInstance, incident: Incident) -> None:
        pass


NO_OBSERVER: LifecycleObserver = NoObserver()
