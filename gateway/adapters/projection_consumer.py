"""Runs the checkout projection's consumer group inside the gateway process.

In the gateway's process because the projection is the gateway's read model: its rows commit in the
gateway's database, and several gateway replicas simply share the group's partitions on Kafka (on
the local log, one consumer per group: one gateway). A thread, because the consumer loop and the
database calls are blocking. Each terminal announcement it commits wakes the requests waiting on that
checkout in this process (:class:`Settlements`).
"""

from __future__ import annotations

import threading

from events.consumer.runner import open_group
from events.consumer.settings import ConsumerSettings
from events.contracts.base import EventPayload
from events.envelope import Envelope
from events.settings import EventsSettings
from events.topics import SAGA_TOPIC
from gateway.adapters.projection import HANDLERS
from gateway.domain.lifecycle import TERMINAL
from gateway.service_layer.settlements import Settlements
from services.common.database import Database

GROUP_ID = "checkout-projection"


class ProjectionConsumer:
    def __init__(
        self,
        database: Database,
        events: EventsSettings,
        consumer: ConsumerSettings,
        settlements: Settlements,
    ) -> None:
        def announce_settled(envelope: Envelope, _payload: EventPayload) -> None:
            if envelope.event_type in TERMINAL and envelope.checkout_id is not None:
                settlements.announce(envelope.checkout_id)

        self.runner = open_group(
            GROUP_ID, [SAGA_TOPIC], database, HANDLERS, events, consumer, announce_settled
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self.runner.run, args=(self._stop,), name=GROUP_ID, daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
