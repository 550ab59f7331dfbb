"""The state of the (single) partition and the indexes commands look things up by.

Indexes are derived data: they are rebuilt from the process instances when the engine loads its
state from disk, so only the instances, buffered messages and definitions are persisted.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable

from engine.runtime.definitions import DecisionRegistry, Definitions
from engine.runtime.journal import Journal
from engine.runtime.lifecycle import NO_OBSERVER, LifecycleObserver
from engine.runtime.state import (
    BufferedMessage,
    ElementState,
    Incident,
    Job,
    JobState,
    MessageSubscription,
    ProcessInstance,
    Timer,
)

PARTITION_ID = 1
FIRST_KEY = (PARTITION_ID << 51) + 1
"""Zeebe keys are ``(partitionId << 51) + counter``; partition 1's first key is 2251799813685249."""


class Partition:
    """Active process instances, buffered messages, definitions, and indexes over them."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.next_key = FIRST_KEY
        self.journal = Journal()
        self.definitions = Definitions()
        self.decisions = DecisionRegistry()
        self.instances: dict[int, ProcessInstance] = {}
        self.element_owner: dict[int, int] = {}
        """Active element instance key -> process instance key."""
        self.jobs: dict[int, int] = {}
        """Job key -> process instance key."""
        self.activatable: dict[str, dict[int, None]] = {}
        """Job type -> activatable job keys in creation order (a dict as an ordered set)."""
        self.timer_heap: list[tuple[float, int]] = []
        self.timers: dict[int, int] = {}
        """Timer key -> process instance key (0 for timer start events)."""
        self.subscriptions: dict[tuple[str, str], dict[int, int]] = {}
        """(message name, correlation key) -> subscription key -> process instance key."""
        self.messages: dict[int, BufferedMessage] = {}
        self.messages_by_name: dict[tuple[str, str], list[int]] = {}
        self.incidents: dict[int, int] = {}
        """Open incident key -> process instance key."""
        self.active_per_process: dict[str, int] = {}
        """BPMN process id -> active instances, kept as they start and finish so that reading the counts
        (metrics) costs nothing however many instances there are; ids stay once seen, at 0."""
        self.open_incidents_per_process: dict[str, int] = {}
        """BPMN process id -> open incidents, kept like ``active_per_process``."""
        self.start_timers: dict[int, Timer] = {}
        """Timers of the latest versions' timer start events (``element_instance_key``: the definition key)."""
        self.jobs_available: Callable[[str], None] = lambda job_type: None
        self.instance_finished: Callable[[ProcessInstance], None] = lambda instance: None
        self.lifecycle: LifecycleObserver = NO_OBSERVER
        """Told of live lifecycle transitions (tracing); set after loading, which tells it nothing."""

    def new_key(self) -> int:
        key = self.next_key
        self.next_key += 1
        return key

    # Jobs.
    def job(self, key: int) -> tuple[ProcessInstance, Job] | None:
        instance_key = self.jobs.get(key)
        if instance_key is None:
            return None
        instance = self.instances[instance_key]
        return instance, instance.jobs[key]

    def index_job(self, instance: ProcessInstance, job: Job) -> None:
        self.jobs[job.key] = instance.key
        self.refresh_job(job)

    def refresh_job(self, job: Job) -> None:
        """Put a job in or out of its type's activatable queue according to its state."""
        queue = self.activatable.setdefault(job.type, {})
        if job.state is JobState.ACTIVATABLE:
            if job.key not in queue:
                queue[job.key] = None
                self.jobs_available(job.type)
        else:
            queue.pop(job.key, None)
        if job.state is JobState.ACTIVATED:
            self.schedule(job.deadline, job.key)
        elif job.state is JobState.FAILED and job.recur_at is not None:
            self.schedule(job.recur_at, job.key)

    def unindex_job(self, job: Job) -> None:
        self.jobs.pop(job.key, None)
        queue = self.activatable.get(job.type)
        if queue is not None:
            queue.pop(job.key, None)

    # Timers: one heap for timers, job deadlines and back-offs; stale entries are skipped when popped.
    def schedule(self, due: float, key: int) -> None:
        heapq.heappush(self.timer_heap, (due, key))

    def index_timer(self, instance_key: int, timer: Timer) -> None:
        self.timers[timer.key] = instance_key
        self.schedule(timer.due, timer.key)

    def next_due(self) -> float | None:
        return self.timer_heap[0][0] if self.timer_heap else None

    def pop_due(self, now: float) -> list[int]:
        due: list[int] = []
        while self.timer_heap and self.timer_heap[0][0] <= now:
            due.append(heapq.heappop(self.timer_heap)[1])
        return due

    # Message subscriptions.
    def index_subscription(self, subscription: MessageSubscription) -> None:
        key = (subscription.message_name, subscription.correlation_key)
        self.subscriptions.setdefault(key, {})[subscription.key] = subscription.process_instance_key

    def unindex_subscription(self, subscription: MessageSubscription) -> None:
        key = (subscription.message_name, subscription.correlation_key)
        entries = self.subscriptions.get(key)
        if entries is not None:
            entries.pop(subscription.key, None)
            if not entries:
                del self.subscriptions[key]

    # Whole instances.
    def add_instance(self, instance: ProcessInstance) -> None:
        if self.instances.setdefault(instance.key, instance) is instance:
            _count(self.active_per_process, instance.bpmn_process_id, 1)

    def remove_instance(self, instance: ProcessInstance) -> None:
        if self.instances.pop(instance.key, None) is not None:
            _count(self.active_per_process, instance.bpmn_process_id, -1)

    def index_instance(self, instance: ProcessInstance) -> None:
        """Index everything an instance owns (used when loading state from disk)."""
        self.add_instance(instance)
        for element in instance.elements.values():
            if element.state not in (ElementState.COMPLETED, ElementState.TERMINATED):
                self.element_owner[element.key] = instance.key
        for job in instance.jobs.values():
            self.index_job(instance, job)
        for timer in instance.timers.values():
            self.index_timer(instance.key, timer)
        for subscription in instance.subscriptions.values():
            self.index_subscription(subscription)
        for incident in instance.incidents.values():
            self.add_incident(instance, incident.key)

    # Buffered messages.
    def buffer_message(self, message: BufferedMessage) -> None:
        self.messages[message.key] = message
        self.messages_by_name.setdefault((message.name, message.correlation_key), []).append(message.key)

    def unbuffer_message(self, message: BufferedMessage) -> None:
        self.messages.pop(message.key, None)
        keys = self.messages_by_name.get((message.name, message.correlation_key))
        if keys is not None and message.key in keys:
            keys.remove(message.key)
            if not keys:
                del self.messages_by_name[(message.name, message.correlation_key)]

    def buffered(self, name: str, correlation_key: str) -> list[BufferedMessage]:
        """Buffered messages with this name and key, oldest first."""
        return [self.messages[k] for k in self.messages_by_name.get((name, correlation_key), ())]

    # Incidents.
    def add_incident(self, instance: ProcessInstance, incident_key: int) -> None:
        if incident_key not in self.incidents:
            self.incidents[incident_key] = instance.key
            _count(self.open_incidents_per_process, instance.bpmn_process_id, 1)

    def remove_incident(self, instance: ProcessInstance, incident_key: int) -> None:
        if self.incidents.pop(incident_key, None) is not None:
            _count(self.open_incidents_per_process, instance.bpmn_process_id, -1)

    def incident(self, key: int) -> tuple[ProcessInstance, Incident] | None:
        instance_key = self.incidents.get(key)
        if instance_key is None:
            return None
        instance = self.instances[instance_key]
        return instance, instance.incidents[key]


def _count(counts: dict[str, int], name: str, change: int) -> None:
    counts[name] = counts.get(name, 0) + change
