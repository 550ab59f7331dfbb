"""Logs the events travel on: ports, the Kafka adapter and the local SQLite log, and which one to open."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from events.settings import EventsSettings
from events.transport.kafka import KafkaTransport
from events.transport.local_log import LocalLogTransport
from events.transport.ports import LogConsumer, TopicAdmin, TransactionalPublisher


class Transport(Protocol):
    """Opens the ports on one log, so relays and consumers never name the adapter they run on."""

    def publisher(self, transactional_id: str) -> TransactionalPublisher:
        """A publisher; two live publishers with one ``transactional_id`` fence each other (a relay
        uses its outbox's, see :func:`events.relay.outboxes.transactional_id`)."""
        ...

    def consumer(self, group_id: str, topics: Sequence[str]) -> LogConsumer: ...

    def admin(self) -> TopicAdmin: ...


def open_transport(settings: EventsSettings) -> Transport:
    """Kafka when ``KAFKA_BOOTSTRAP_SERVERS`` is set, else the local log at ``EVENTS_LOCAL_LOG_PATH``."""
    if settings.kafka_bootstrap_servers:
        return KafkaTransport(settings.kafka_bootstrap_servers)
    return LocalLogTransport(settings.local_log_path)
