"""The unit of work: one database transaction, and everything a use case writes through it.

It owns the session and hands out the kit's stores (idempotency, outbox, audit) bound to that
session, so a state change, its event, its audit row and its stored reply share one transaction. A
service subclasses it and adds its repositories in :meth:`UnitOfWork._bind`. Leaving the ``with``
block without :meth:`commit` rolls everything back.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session

from services.common.audit import AuditLog
from services.common.database import Database
from services.common.idempotency.store import IdempotencyStore
from services.common.outbox import OutboxWriter


class UnitOfWork:
    session: Session
    idempotency: IdempotencyStore
    outbox: OutboxWriter
    audit: AuditLog

    def __init__(self, database: Database, *, read_only: bool = False) -> None:
        self._database = database
        self._read_only = read_only

    def __enter__(self) -> Self:
        factory = self._database.read_sessions if self._read_only else self._database.write_sessions
        self.session = factory()
        self.session.begin()
        self.idempotency = IdempotencyStore(self.session)
        self.outbox = OutboxWriter(self.session)
        self.audit = AuditLog(self.session)
        self._bind(self.session)
        return self

    def _bind(self, session: Session) -> None:
        """Subclasses create their repositories on ``session`` here."""

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.session.close()  # rolls back whatever was not committed

    @property
    def backend(self) -> str:
        return self._database.backend

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
