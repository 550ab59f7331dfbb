"""The relay loop: lease, read the oldest outbox rows, publish them in one transaction, delete them.

Deleting a row is how the relay marks it sent: every row in the outbox is an event still to publish,
and the topic keeps the published ones. On PostgreSQL an update that marked each row cost five times
the delete (a new version of every row and of its index entries), and the marking was the relay's
bottleneck (bench/relay_throughput.py).

At-least-once by construction: a relay killed after publishing and before deleting publishes the same
rows again (same event ids) when it or its successor restarts, and consumers drop the copies. Rows
go out in ``occurred_at`` order; a checkout's events are keyed by its id, so they stay in order on
their partition.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy.exc import SQLAlchemyError

from events.readiness import Readiness
from events.relay.lease import Lease, LeaseStore
from events.relay.pending import PendingBatch, Position, pending_events
from events.relay.settings import RelaySettings
from events.transport.ports import PublishFailed, TransactionalPublisher
from services.common.database import Database
from services.common.migrations import current_revisions, head_revisions
from services.common.outbox import OutboxReader

log = logging.getLogger(__name__)


class LeaseLost(Exception):
    """Another relay took the outbox over while this one was publishing: delete nothing, stand by."""


class SchemaMismatch(Exception):
    """The service's database is not at the migrations this relay's code was written for (a rolling
    upgrade half done): publish nothing until it is.

    A relay may misread an outbox of another schema version: this release's relay, on an outbox whose
    relay still marks the rows it published instead of deleting them, would publish again every event
    of the week the old relay keeps.
    """


class OutboxRelay:
    """Drains one service's outbox to ``topic`` while it holds that outbox's lease."""

    def __init__(
        self,
        service: str,
        topic: str,
        database: Database,
        publisher: TransactionalPublisher,
        settings: RelaySettings,
    ) -> None:
        self._service = service
        self._topic = topic
        self._database = database
        self._publisher = publisher
        self._settings = settings
        self._leases = LeaseStore(settings.instance_id, timedelta(seconds=settings.lease_seconds))
        self._schema = head_revisions(f"services.{service}")
        self._lease: Lease | None = None
        self._renew_at = 0.0
        self.published_total = 0
        self.readiness = Readiness()
        self._committer = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"relay-{service}-commit")

    def report(self) -> dict[str, object]:
        return {
            "service": self._service,
            "topic": self._topic,
            "holds_lease": self.holds_lease,
            "published_total": self.published_total,
        }

    @property
    def service(self) -> str:
        return self._service

    @property
    def holds_lease(self) -> bool:
        return self._lease is not None

    def backlog(self) -> int:
        """Events in the outbox still to publish (by any relay)."""
        with self._database.read_sessions.begin() as session:
            return OutboxReader(session).backlog()

    def publish_once(self) -> int:
        """Publish one batch; the number of events published (0: nothing waiting, or not our turn)."""
        lease = self._current_lease()
        if lease is None:
            return 0
        pending = self._read()
        if pending:
            self._await(lease, self._committer.submit(self._publish, pending))
            self._delete(lease, pending)
        return len(pending)

    def drain(self) -> int:
        """Publish batch after batch while full batches wait; the number of events published.

        While one batch's Kafka transaction commits on the committer thread (librdkafka releases the
        GIL while it waits), this thread deletes the batch before it and reads the one after it. A
        batch is deleted only once its transaction committed. A third thread for the deletes was
        tried: the three contended for the GIL and the relay was slower (bench/relay_throughput.py).
        """
        lease = self._current_lease()
        if lease is None:
            return 0
        published = 0
        undeleted: PendingBatch | None = None
        batch: PendingBatch | None = self._read()
        while batch:
            committing = self._committer.submit(self._publish, batch)
            try:
                if undeleted is not None:
                    self._delete(lease, undeleted)
                    undeleted = None
                full = len(batch) == self._settings.batch_size
                upcoming = self._read(after=batch.last) if full else None
            finally:
                self._await(lease, committing)  # never leave a publish running behind a failure here
            undeleted = batch
            published += len(batch)
            batch = upcoming
        if undeleted is not None:
            self._delete(lease, undeleted)
        return published

    def _await(self, lease: Lease, committing: Future[None]) -> None:
        """Wait for a publish, renewing the lease meanwhile: a publish may take longer than a lease
        lasts (a slow broker), and a standby taking the lease over would abort it by fencing, then be
        fenced in turn when its own slow publish outlived its lease, and nothing would get out."""
        while True:
            try:
                committing.result(timeout=self._settings.lease_seconds / 3)
                return
            except TimeoutError:
                with self._database.write_sessions.begin() as session:
                    self._leases.confirm(session, lease)  # a lost lease shows before the batch is deleted

    def _publish(self, batch: PendingBatch) -> None:
        try:
            self._publisher.publish(batch.records)
        except PublishFailed:
            # Fenced, perhaps: a relay that took the lease over while this one was paused now owns
            # the outbox's transactional id. Ask the database before publishing again, or this
            # relay's next producer would fence the rightful holder in turn.
            self._renew_at = 0.0
            raise

    def _read(self, after: Position | None = None) -> PendingBatch:
        with self._database.read_sessions.begin() as session:
            return pending_events(session, self._service, self._topic, self._settings.batch_size, after)

    def _delete(self, lease: Lease, batch: PendingBatch) -> None:
        with self._database.write_sessions.begin() as session:
            if not self._leases.confirm(session, lease):
                self._lease = None
                raise LeaseLost(f"{self._service} outbox: lease lost after publishing {len(batch)} events")
            OutboxReader(session).delete_published_stored_ids(batch.stored_ids)
        self._renew_at = time.monotonic() + self._settings.lease_seconds / 2
        self.published_total += len(batch)

    def run(self, stop: threading.Event) -> None:
        """Publish until ``stop`` is set; failures are logged and retried, never fatal."""
        log.info("relay %s: %s outbox -> %s", self._settings.instance_id, self._service, self._topic)
        pause = self._settings.idle_poll_seconds
        try:
            while not stop.is_set():
                try:
                    published = self.drain()
                except (PublishFailed, LeaseLost, SchemaMismatch, SQLAlchemyError) as error:
                    log.warning("relay %s: %s; retrying", self._service, error)
                    self.readiness.failed(error)
                    stop.wait(self._settings.retry_seconds)
                    continue
                self.readiness.succeeded()
                # Idle polls double their pause up to the longest, so a quiet outbox costs little;
                # the first event after a quiet spell waits at most that long.
                pause = (
                    self._settings.idle_poll_seconds
                    if published
                    else min(pause * 2, self._settings.idle_poll_longest_seconds)
                )
                stop.wait(pause)  # drain() returned: what was waiting is out
        finally:
            self._committer.shutdown()
            self._release()
            self._publisher.close()

    def _current_lease(self) -> Lease | None:
        """Our lease, renewed when half of it has gone; None while another relay holds it. Taken and
        renewed only while the database's schema is the one this relay expects."""
        if self._lease is not None and time.monotonic() < self._renew_at:
            return self._lease
        found = current_revisions(self._database.engine)
        if found != self._schema:
            self._release()  # a relay of the schema's own release can take over at once
            raise SchemaMismatch(
                f"the {self._service} database's schema is at {sorted(found)}, "
                f"this relay expects {sorted(self._schema)}"
            )
        with self._database.write_sessions.begin() as session:
            lease = self._leases.hold(session)
        if lease != self._lease:
            log.info(
                "relay %s: %s the %s outbox lease",
                self._settings.instance_id,
                "took" if lease else "waits for",
                self._service,
            )
        self._lease = lease
        self._renew_at = time.monotonic() + self._settings.lease_seconds / 2
        return lease

    def _release(self) -> None:
        if self._lease is None:
            return
        try:
            with self._database.write_sessions.begin() as session:
                self._leases.release(session, self._lease)
        except SQLAlchemyError as error:
            log.warning(
                "relay %s: could not release the lease (it expires by itself): %s", self._service, error
            )
        self._lease = None
