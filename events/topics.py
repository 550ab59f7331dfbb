"""Every topic the saga uses, with its partitions and retention: created explicitly at start-up.

Partitions bound how many consumers of one group work in parallel; records of one checkout share a
key and so a partition, which keeps them in order. Retention outlives any consumer outage we plan for
(a week); dead letters are kept longer because a person has to look at them.
"""

from __future__ import annotations

from events.transport.ports import TopicSpec

DAY_MS = 24 * 60 * 60 * 1000
PARTITIONS = 6
RETENTION_MS = 7 * DAY_MS
DEAD_LETTER_RETENTION_MS = 30 * DAY_MS

SERVICE_TOPICS = {
    service: f"{service}.events"
    for service in ("cart", "pricing", "payment", "inventory", "order", "loyalty")
}
"""The topic each service's outbox relay publishes to."""

SAGA_TOPIC = "checkout.saga"
"""Saga lifecycle events (started, step completed, compensation started, ...)."""


def dead_letter_topic(group_id: str) -> str:
    """Where consumer group ``group_id`` parks the records it cannot process."""
    return f"{group_id}.dead-letter"


def topic_specs(consumer_groups: tuple[str, ...] = ()) -> list[TopicSpec]:
    """The event topics, plus a dead-letter topic per consumer group given."""
    names = [*SERVICE_TOPICS.values(), SAGA_TOPIC]
    specs = [TopicSpec(name, PARTITIONS, RETENTION_MS) for name in names]
    specs += [TopicSpec(dead_letter_topic(g), 1, DEAD_LETTER_RETENTION_MS) for g in consumer_groups]
    return specs
