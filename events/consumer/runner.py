"""The consume loop every consumer group shares.

Per record: parse the envelope and its contract; skip it if the inbox has it; otherwise apply it with
the group's handler and add it to the inbox in ONE database transaction (a polled batch of ordinary
records shares one transaction; a batch with any trouble in it is retaken record by record). Offsets are committed only
after every record of the batch is applied or parked, so a crash anywhere replays records, and the
inbox turns the replays into no-ops: each event's effect happens exactly once.

A record that can never be applied (not an envelope, a payload that breaks its contract, a handler's
:class:`Poison`) goes to the dead-letter topic and the group moves on. Any other failure is taken as
technical (a service or database down) and the same record is retried with growing pauses; the
partition waits rather than skipping ahead, because later events of a checkout may depend on it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from events.consumer.dead_letters import DeadLetterQueue, Poison
from events.consumer.inbox import Inbox
from events.consumer.settings import ConsumerSettings
from events.contracts.base import EventPayload
from events.contracts.registry import ContractError, parse
from events.envelope import Envelope, NotAnEnvelope, parse_envelope
from events.readiness import Readiness
from events.settings import EventsSettings
from events.topics import topic_specs
from events.transport import open_transport
from events.transport.ports import ConsumedRecord, ConsumeFailed, LogConsumer
from services.common.database import Database
from services.common.purge import Purge
from telemetry.propagation import TRACEPARENT, context_from

log = logging.getLogger(__name__)
_tracer = trace.get_tracer(__name__)

LAG_INTERVAL_SECONDS = 1.0
LAG_RETRY_SECONDS = 15.0
"""After a failed lag measurement, the next one waits this long (the consumer keeps polling)."""

Handler = Callable[[Envelope, EventPayload, Session], None]
"""Applies one event inside the caller's transaction; raises :class:`Poison` if it never can."""

_Parsed = tuple[Envelope, Handler, EventPayload]

AfterCommit = Callable[[Envelope, EventPayload], None]
"""Told of each event once its effect is committed (never of a replay the inbox skipped): lets a
process react at once to what its own consumer stored, instead of polling the database for it."""


class ConsumerRunner:
    """Runs one consumer group: ``handlers`` by event type; other event types are acknowledged and
    ignored (a topic carries more types than any one consumer cares about)."""

    def __init__(
        self,
        group_id: str,
        consumer: LogConsumer,
        database: Database,
        handlers: Mapping[str, Handler],
        dead_letters: DeadLetterQueue,
        settings: ConsumerSettings,
        after_commit: AfterCommit | None = None,
    ) -> None:
        self._group_id = group_id
        self._consumer = consumer
        self._database = database
        self._handlers = handlers
        self._dead_letters = dead_letters
        self._settings = settings
        self._after_commit = after_commit
        self.last_lag: dict[tuple[str, int], int] = {}
        self._lag_due_at = 0.0
        self.dead_lettered_total = 0
        self._purge = Purge(
            database, settings.keep_processed_days, settings.purge_interval_seconds, f"{group_id}: inbox rows"
        )
        self.readiness = Readiness()

    def consume_once(self, stop: threading.Event | None = None) -> int:
        """Poll one batch, apply it, commit its offsets; the number of records polled."""
        records = self._consumer.poll(self._settings.batch_size, self._settings.poll_timeout_seconds)
        if len(records) < 2 or not self._apply_together(records):
            for record in records:
                if not self._process_with_retries(record, stop or threading.Event()):
                    return 0  # stopping: the uncommitted records come back to whoever consumes next
        if records:
            self._consumer.commit(records)
        self._measure_lag()
        return len(records)

    @property
    def group_id(self) -> str:
        return self._group_id

    def lag_report(self) -> list[dict[str, object]]:
        """The last measured lag, per topic and partition, as the status endpoints show it."""
        return [{"topic": t, "partition": p, "lag": n} for (t, p), n in sorted(self.last_lag.items())]

    def _measure_lag(self) -> None:
        """Lag for the status endpoint, measured in this thread (consumers are not shared across
        threads) and at most once a second (on Kafka it costs a broker round trip per partition)."""
        if time.monotonic() < self._lag_due_at:
            return
        try:
            self.last_lag = self._consumer.lag()
        except ConsumeFailed:
            # Each attempt can block for the broker timeout; retried every time, it would leave the
            # consumer polling once per timeout while the broker recovers, too seldom to rejoin its group.
            self._lag_due_at = time.monotonic() + LAG_RETRY_SECONDS
            raise
        self._lag_due_at = time.monotonic() + LAG_INTERVAL_SECONDS

    def purge_inbox(self, stop: threading.Event | None = None) -> int:
        """Delete the group's inbox rows older than the retention, a chunk per transaction; how many."""
        return self._purge.run(
            lambda before, session, most: Inbox(session, self._group_id).purge(before, most), stop
        )

    @property
    def purged_total(self) -> int:
        return self._purge.total

    def _purge_when_due(self, stop: threading.Event) -> None:
        if not self._purge.due():
            return
        try:
            self.purge_inbox(stop)
        except SQLAlchemyError as error:  # the next pass retries; consuming must not stop for it
            log.warning("%s: inbox purge failed (%s)", self._group_id, error)

    def run(self, stop: threading.Event) -> None:
        log.info("consumer group %s started", self._group_id)
        try:
            while not stop.is_set():
                self._purge_when_due(stop)
                try:
                    self.consume_once(stop)
                except ConsumeFailed as error:
                    log.warning("%s: %s; retrying", self._group_id, error)
                    self.readiness.failed(error)
                    stop.wait(self._settings.retry_first_seconds)
                    continue
                self.readiness.succeeded()
        finally:
            self._consumer.close()

    def _process_with_retries(self, record: ConsumedRecord, stop: threading.Event) -> bool:
        pause = self._settings.retry_first_seconds
        while True:
            try:
                self._process(record)
                return True
            except Exception as error:
                log.warning(
                    "%s: %s[%d]@%d failed (%s: %s); retrying in %.1f s",
                    self._group_id,
                    record.topic,
                    record.partition,
                    record.offset,
                    type(error).__name__,
                    error,
                    pause,
                )
            if stop.wait(pause):
                return False
            pause = min(pause * 2, self._settings.retry_longest_seconds)

    def _span(self, record: ConsumedRecord) -> AbstractContextManager[Span]:
        """A consumer span for ``record``, continuing the trace of the span that published it."""
        return _tracer.start_as_current_span(
            f"{record.topic} process",
            context=context_from(record.headers.get(TRACEPARENT)),
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "process",
                "messaging.destination.name": record.topic,
                "messaging.destination.partition.id": str(record.partition),
                "messaging.kafka.offset": record.offset,
                "messaging.consumer.group.name": self._group_id,
            },
        )

    def _apply_together(self, records: Sequence[ConsumedRecord]) -> bool:
        """Apply a whole batch in ONE transaction; False (nothing applied) when any record of it is
        not an ordinary success, and the caller then takes the records one by one, where parking and
        retrying are decided per record. One transaction per batch instead of one per event is what
        keeps a busy consumer's database cost low (on SQLite, one writer lock and one commit)."""
        events: list[tuple[ConsumedRecord, _Parsed]] = []
        for record in records:
            try:
                parsed = self._parsed(record)
            except (NotAnEnvelope, ContractError):
                return False
            if parsed is not None:
                events.append((record, parsed))
        applied: list[tuple[Envelope, EventPayload]] = []
        try:
            with self._database.write_sessions.begin() as session:
                inbox = Inbox(session, self._group_id)
                for record, (envelope, handler, payload) in events:
                    with self._span(record):
                        if self._apply_in(session, inbox, envelope, handler, payload):
                            applied.append((envelope, payload))
        except Exception as error:
            log.info(
                "%s: batch of %d taken one by one (%s)", self._group_id, len(records), type(error).__name__
            )
            return False
        for envelope, payload in applied:
            self._committed(envelope, payload)
        return True

    def _process(self, record: ConsumedRecord) -> None:
        with self._span(record):
            self._apply(record)

    def _parsed(self, record: ConsumedRecord) -> _Parsed | None:
        """The envelope, its handler and its contract payload; None for an event type this group
        ignores. Raises :class:`NotAnEnvelope` or :class:`ContractError` for a record to park."""
        envelope = parse_envelope(record.value)
        handler = self._handlers.get(envelope.event_type)
        if handler is None:
            return None
        return envelope, handler, parse(envelope.event_type, envelope.schema_version, envelope.payload)

    def _apply(self, record: ConsumedRecord) -> None:
        try:
            parsed = self._parsed(record)
        except (NotAnEnvelope, ContractError) as error:
            self._park(record, str(error))
            return
        if parsed is None:
            return
        envelope, handler, payload = parsed
        try:
            with self._database.write_sessions.begin() as session:
                applied = self._apply_in(session, Inbox(session, self._group_id), envelope, handler, payload)
        except Poison as error:
            self._park(record, str(error))
            return
        if applied:
            self._committed(envelope, payload)

    def _apply_in(
        self, session: Session, inbox: Inbox, envelope: Envelope, handler: Handler, payload: EventPayload
    ) -> bool:
        """Apply one event in ``session`` unless the inbox has it; whether it was applied."""
        if inbox.has(envelope.event_id):
            log.debug("%s: event %s already applied", self._group_id, envelope.event_id)
            return False
        handler(envelope, payload, session)
        inbox.add(envelope.event_id, envelope.event_type)
        return True

    def _committed(self, envelope: Envelope, payload: EventPayload) -> None:
        if self._after_commit is not None:
            self._after_commit(envelope, payload)

    def _park(self, record: ConsumedRecord, reason: str) -> None:
        log.error(
            "%s: %s[%d]@%d dead-lettered: %s",
            self._group_id,
            record.topic,
            record.partition,
            record.offset,
            reason,
        )
        self._dead_letters.park(record, reason)
        self.dead_lettered_total += 1


def open_group(
    group_id: str,
    topics: Sequence[str],
    database: Database,
    handlers: Mapping[str, Handler],
    events: EventsSettings,
    settings: ConsumerSettings,
    after_commit: AfterCommit | None = None,
) -> ConsumerRunner:
    """A runner for ``group_id`` on the configured log (Kafka or the local log): its topics and its
    dead-letter topic created first, and a dead-letter producer named after this instance."""
    transport = open_transport(events)
    transport.admin().ensure_topics(topic_specs((group_id,)))
    dead_letters = transport.publisher(f"{group_id}-dead-letters-{settings.instance_id}")
    return ConsumerRunner(
        group_id,
        transport.consumer(group_id, topics),
        database,
        handlers,
        DeadLetterQueue(group_id, dead_letters),
        settings,
        after_commit,
    )
