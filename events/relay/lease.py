"""One relay per outbox at a time: a lease row in the service's own database.

A relay publishes only while it holds the lease and deletes the rows it published only if it still
holds it, checked in the deleting transaction. The fencing token grows at every change of holder, so
a relay that paused past its lease (a long GC, a frozen VM) and woke up after another took over
cannot delete rows: its ``confirm`` fails. It may still have published a batch the new holder
publishes again; consumers de-duplicate by event id, which they must do anyway (the outbox and Kafka
commit apart).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Result, bindparam, case, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.common.database import is_unique_violation
from services.common.sqltypes import utc_now
from services.common.tables import outbox_relay_lease as lease_table

OUTBOX = "outbox"

# Built once: every published batch confirms the lease, and building the statement each time cost more
# CPU than running it.
_CONFIRM = (
    update(lease_table)
    .where(
        lease_table.c.outbox == OUTBOX,
        lease_table.c.holder == bindparam("held_by"),
        lease_table.c.fencing_token == bindparam("token"),
    )
    .values(expires_at=bindparam("until"))
)


def _affected(result: Result[Any]) -> int:
    """Rows an UPDATE matched (SQLAlchemy asks MariaDB for matched, not changed, rows)."""
    return cast(CursorResult[Any], result).rowcount


@dataclass(frozen=True)
class Lease:
    holder: str
    fencing_token: int


class LeaseStore:
    """Takes, renews and confirms the lease of one outbox for one relay instance."""

    def __init__(self, holder: str, ttl: timedelta) -> None:
        self._holder = holder
        self._ttl = ttl

    def hold(self, session: Session) -> Lease | None:
        """Renew our lease or take an expired one (in the caller's transaction); None if another
        relay holds it."""
        now = utc_now()
        taken = session.execute(
            update(lease_table)
            .where(
                lease_table.c.outbox == OUTBOX,
                or_(lease_table.c.holder == self._holder, lease_table.c.expires_at < now),
            )
            # Ordered: MariaDB evaluates SET left to right, so the token must be computed from the
            # old holder before the holder is overwritten.
            .ordered_values(
                (
                    lease_table.c.fencing_token,
                    case(
                        (lease_table.c.holder == self._holder, lease_table.c.fencing_token),
                        else_=lease_table.c.fencing_token + 1,
                    ),
                ),
                (lease_table.c.holder, self._holder),
                (lease_table.c.expires_at, now + self._ttl),
            )
        )
        if _affected(taken) == 1:
            token = session.execute(
                select(lease_table.c.fencing_token).where(lease_table.c.outbox == OUTBOX)
            ).scalar_one()
            return Lease(self._holder, token)
        exists = session.execute(select(lease_table.c.outbox).where(lease_table.c.outbox == OUTBOX)).first()
        if exists is not None:
            return None
        return self._create(session)

    def _create(self, session: Session) -> Lease | None:
        try:
            with session.begin_nested():
                session.execute(
                    insert(lease_table).values(
                        outbox=OUTBOX, holder=self._holder, fencing_token=1, expires_at=utc_now() + self._ttl
                    )
                )
        except IntegrityError as error:
            if is_unique_violation(error):
                return None  # another relay created it first
            raise
        return Lease(self._holder, 1)

    def confirm(self, session: Session, lease: Lease) -> bool:
        """Whether ``lease`` is still ours (and extend it), in the transaction that acts on it."""
        confirmed = session.execute(
            _CONFIRM,
            {"held_by": lease.holder, "token": lease.fencing_token, "until": utc_now() + self._ttl},
        )
        return _affected(confirmed) == 1

    def release(self, session: Session, lease: Lease) -> None:
        """Let the next relay take over at once instead of after the lease expires (clean shutdown)."""
        session.execute(
            update(lease_table)
            .where(
                lease_table.c.outbox == OUTBOX,
                lease_table.c.holder == lease.holder,
                lease_table.c.fencing_token == lease.fencing_token,
            )
            .values(expires_at=utc_now() - timedelta(seconds=1))
        )
