"""The checkout projection's storage: the consumer's handler writes lifecycle rows, the gateway reads
them. Runs in the consumer's transaction (with its inbox row), so each event is stored once."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from events.consumer.runner import Handler
from events.contracts import saga
from events.contracts.base import EventPayload
from events.envelope import Envelope
from gateway.adapters.orm import MESSAGE_LENGTH, LifecycleEventRow, metadata
from gateway.domain.lifecycle import TERMINAL, LifecycleEvent
from services.common.sqltypes import utc_now

# Built once, on the table: the ORM's ``insert(Entity).values(...)`` built per event costs several
# times the database's own work.
_STORE = insert(metadata.tables[LifecycleEventRow.__tablename__])
_SETTLED_AMONG = select(LifecycleEventRow.checkout_id).where(
    LifecycleEventRow.checkout_id.in_(bindparam("checkout_ids", expanding=True)),
    LifecycleEventRow.event_type.in_(list(TERMINAL)),
)
SETTLED_AMONG_AT_MOST = 500
"""Checkout ids asked about in one statement (databases cap the parameters of a statement)."""


def store(envelope: Envelope, payload: EventPayload, session: Session) -> None:
    """Keep one lifecycle event of a checkout."""
    fields = payload.model_dump()
    message = fields.get("error_message")
    session.execute(
        _STORE,
        {
            "event_id": str(envelope.event_id),
            "checkout_id": fields["checkout_id"],
            "event_type": envelope.event_type,
            "step": fields.get("step"),
            "error_code": fields.get("error_code"),
            "error_message": None if message is None else str(message)[:MESSAGE_LENGTH],
            "occurred_at": fields["occurred_at"],
            "received_at": utc_now(),
        },
    )


HANDLERS: dict[str, Handler] = {contract.event_type: store for contract in saga.TOPIC.contracts}
"""Every lifecycle event type of ``checkout.saga`` is stored the same way."""


class ProjectionReader:
    """What the gateway reads of the projection, in its unit of work."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def announced_settled(self, checkout_ids: Sequence[str]) -> set[str]:
        """Those of ``checkout_ids`` (at most :data:`SETTLED_AMONG_AT_MOST`) with a terminal announcement
        stored: what the waiting requests of a gateway ask, all at once, in one indexed lookup."""
        found = self._session.execute(_SETTLED_AMONG, {"checkout_ids": list(checkout_ids)})
        return {checkout_id for (checkout_id,) in found}

    def lifecycle(self, checkout_id: str) -> list[LifecycleEvent]:
        """The checkout's lifecycle events in the order they happened (arrival order breaks ties)."""
        rows = self._session.scalars(
            select(LifecycleEventRow)
            .where(LifecycleEventRow.checkout_id == checkout_id)
            .order_by(LifecycleEventRow.occurred_at, LifecycleEventRow.received_at)
        )
        return [
            LifecycleEvent(
                event_id=row.event_id,
                event_type=row.event_type,
                step=row.step,
                error_code=row.error_code,
                error_message=row.error_message,
                occurred_at=row.occurred_at,
            )
            for row in rows
        ]
