"""The checkout projection's storage: the consumer's handler writes lifecycle rows, the gateway reads
them. Runs in the consumer's transaction (with its inbox row), so each event is stored once."""

from __future__ import annotations

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
_ANNOUNCED_SETTLED = (
    select(LifecycleEventRow.event_id)
    .where(
        LifecycleEventRow.checkout_id == bindparam("checkout_id"),
        LifecycleEventRow.event_type.in_(list(TERMINAL)),
    )
    .limit(1)
)


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

    def announced_settled(self, checkout_id: str) -> bool:
        """Whether any terminal announcement of the checkout is stored: the waiting requests' probe,
        one indexed lookup instead of the whole lifecycle."""
        found = self._session.execute(_ANNOUNCED_SETTLED, {"checkout_id": checkout_id}).first()
        return found is not None

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
