"""Prometheus metrics of the relays and consumer groups, read from them at scrape time.

Relays: ``outbox_backlog_events`` (events waiting in each service's outbox, whoever relays it),
``outbox_relay_published_events_total`` and ``outbox_relay_lease_held`` (this process's relays).
Consumer groups: ``events_consumer_lag`` per topic and partition (as last measured by the group's own
thread, at most a second old) and ``events_consumer_dead_lettered_total``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from events.consumer.runner import ConsumerRunner
from events.relay.relay import OutboxRelay

log = logging.getLogger(__name__)


class RelayCollector(Collector):
    def __init__(self, relays: Sequence[OutboxRelay]) -> None:
        self._relays = relays

    def collect(self) -> Iterator[Metric]:
        backlog = GaugeMetricFamily(
            "outbox_backlog_events", "Events in the service's outbox not yet published.", labels=["service"]
        )
        published = CounterMetricFamily(
            "outbox_relay_published_events",
            "Events this process's relay published (and deleted from the outbox) since it started.",
            labels=["service"],
        )
        lease = GaugeMetricFamily(
            "outbox_relay_lease_held",
            "1 while this process's relay holds the service's outbox lease (it alone publishes).",
            labels=["service"],
        )
        for relay in self._relays:
            try:
                backlog.add_metric([relay.service], relay.backlog())
            except SQLAlchemyError as error:  # a scrape must not fail because one database is down
                log.warning("outbox backlog of %s unavailable: %s", relay.service, error)
            published.add_metric([relay.service], relay.published_total)
            lease.add_metric([relay.service], 1.0 if relay.holds_lease else 0.0)
        yield from (backlog, published, lease)


class ConsumerCollector(Collector):
    def __init__(self, runners: Sequence[ConsumerRunner]) -> None:
        self._runners = runners

    def collect(self) -> Iterator[Metric]:
        lag = GaugeMetricFamily(
            "events_consumer_lag",
            "Records of the partition the group has not committed yet.",
            labels=["group", "topic", "partition"],
        )
        dead_lettered = CounterMetricFamily(
            "events_consumer_dead_lettered",
            "Records the group could never apply and sent to its dead-letter topic.",
            labels=["group"],
        )
        forgotten = CounterMetricFamily(
            "events_consumer_inbox_purged",
            "Inbox rows this consumer deleted, their events applied longer ago than the retention.",
            labels=["group"],
        )
        for runner in self._runners:
            for (topic, partition), records in sorted(runner.last_lag.items()):
                lag.add_metric([runner.group_id, topic, str(partition)], records)
            dead_lettered.add_metric([runner.group_id], runner.dead_lettered_total)
            forgotten.add_metric([runner.group_id], runner.purged_total)
        yield from (lag, dead_lettered, forgotten)


def relay_registry(relays: Sequence[OutboxRelay]) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(RelayCollector(relays))
    return registry


def consumer_registry(runners: Sequence[ConsumerRunner]) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(ConsumerCollector(runners))
    return registry
