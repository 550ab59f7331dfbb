"""The saga's lifecycle events on ``checkout.saga``, published by the workers.

Who publishes what: the step workers publish ``StepCompleted`` / ``StepCompensated`` once the service
call succeeded; the ``saga.*`` job types of the diagram's message events publish ``CheckoutStarted``,
``CompensationStarted``, ``CheckoutCompleted`` and ``CheckoutCompensated``; a job failing for the last
time (an incident) publishes ``CheckoutFailed``.

Each event is published BEFORE the job's outcome is reported to Zeebe, and its id is derived from the
checkout and what happened, so a job that runs again (a retry, a crash before completing) publishes
the same event id and consumers drop the copy. If the log cannot take the event, the job is failed
without spending a retry (:class:`EventsUnavailable`): the saga waits for the broker rather than
losing an event.

Concurrent jobs share Kafka transactions (group commit): the events waiting when a transaction starts
go out together, so a transaction's cost is paid per batch, not per job.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import UTC, datetime
from typing import Any

from pyzeebe import Job

from events.contracts.saga import (
    CheckoutCompensatedV1,
    CheckoutCompletedV1,
    CheckoutFailedV1,
    CheckoutStartedV1,
    CompensationStartedV1,
    StepCompensatedV1,
    StepCompletedV1,
)
from events.envelope import Envelope, to_record
from events.topics import SAGA_TOPIC
from events.transport.ports import OutgoingRecord, PublishFailed, TransactionalPublisher
from telemetry.propagation import current_traceparent

SOURCE = "workers"
NAMESPACE = uuid.UUID("5d0c3a52-9f0e-4c8e-8a51-0d6f1c2b7e94")
"""Fixed forever: lifecycle event ids are uuid5 names under it."""
MAX_BATCH = 500

SagaPayload = (
    CheckoutStartedV1
    | StepCompletedV1
    | CompensationStartedV1
    | StepCompensatedV1
    | CheckoutCompletedV1
    | CheckoutCompensatedV1
    | CheckoutFailedV1
)


class EventsUnavailable(Exception):
    """The event log did not take a lifecycle event; the job must run again later, retries intact."""


def event_id(checkout_id: str, event_type: str, occurrence: str = "") -> uuid.UUID:
    """The same checkout, event type and occurrence always give the same id."""
    return uuid.uuid5(NAMESPACE, f"{checkout_id}/{event_type}/{occurrence}")


def lifecycle_record(payload: SagaPayload, occurrence: str = "") -> OutgoingRecord:
    """The record of one lifecycle event; ``occurrence`` tells apart events of one type and checkout
    that may legitimately happen more than once (a step, an incident's job)."""
    envelope = Envelope(
        event_id=event_id(payload.checkout_id, payload.event_type, occurrence),
        event_type=payload.event_type,
        schema_version=payload.schema_version,
        source=SOURCE,
        checkout_id=payload.checkout_id,
        occurred_at=datetime.now(UTC),
        payload=payload.model_dump(mode="json"),
    )
    return to_record(SAGA_TOPIC, envelope, current_traceparent())  # the job's span


def record_for(
    job: Job, contract: type[SagaPayload], *, occurrence: str = "", **fields: Any
) -> OutgoingRecord:
    """The lifecycle record ``contract`` of the job's checkout, with ``fields`` beyond the common ones."""
    payload = contract(
        checkout_id=str(job.variables["checkoutId"]),
        process_instance_key=job.process_instance_key,
        occurred_at=datetime.now(UTC),
        **fields,
    )
    return lifecycle_record(payload, occurrence)


def step_completed(job: Job) -> OutgoingRecord:
    return record_for(job, StepCompletedV1, occurrence=job.type, step=job.type)


def step_compensated(job: Job, step: str) -> OutgoingRecord:
    return record_for(job, StepCompensatedV1, occurrence=step, step=step)


def checkout_failed(job: Job, message: str) -> OutgoingRecord:
    """Occurrence: the job's key, so a second incident after a resolution is a second event."""
    return record_for(
        job, CheckoutFailedV1, occurrence=str(job.key), error_code="INCIDENT", error_message=message
    )


class SagaEventPublisher:
    """Publishes lifecycle records for the worker's jobs, batching those that wait together."""

    def __init__(self, publisher: TransactionalPublisher) -> None:
        self._publisher = publisher
        self._queue: asyncio.Queue[tuple[OutgoingRecord, asyncio.Future[None]]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="saga-events")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await asyncio.to_thread(self._publisher.close)

    async def publish(self, record: OutgoingRecord) -> None:
        """Return once ``record`` is on the log; raise :class:`EventsUnavailable` if it is not."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        await self._queue.put((record, done))
        await done

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while not self._queue.empty() and len(batch) < MAX_BATCH:
                batch.append(self._queue.get_nowait())
            try:
                await asyncio.to_thread(self._publisher.publish, [record for record, _ in batch])
            except PublishFailed as failure:
                for _, done in batch:
                    if not done.done():
                        done.set_exception(EventsUnavailable(str(failure)))
                continue
            for _, done in batch:
                if not done.done():
                    done.set_result(None)
