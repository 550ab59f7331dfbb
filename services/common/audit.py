"""The compensation audit log: every compensation, effective or not, leaves a row.

The correlation id is the checkout id, so one query shows everything undone for a checkout. A
compensation that found nothing to undo is recorded too (``NOOP_NOTHING_TO_COMPENSATE``): "we were
asked and there was nothing" is an answer an operator needs to see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from services.common.sqltypes import utc_now
from services.common.tables import audit_log


class AuditOutcome(StrEnum):
    COMPENSATED = "COMPENSATED"
    """The forward effect existed and was undone now."""
    NOOP_NOTHING_TO_COMPENSATE = "NOOP_NOTHING_TO_COMPENSATE"
    """The forward operation never happened (or failed): nothing to undo."""
    NOOP_ALREADY_COMPENSATED = "NOOP_ALREADY_COMPENSATED"
    """An earlier compensation already undid it."""


@dataclass(frozen=True)
class AuditEntry:
    correlation_id: str
    action: str
    outcome: str
    details: dict[str, Any]
    at: datetime


class AuditLog:
    """Appends to (and reads) ``audit_log`` in the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def record(
        self, correlation_id: str, action: str, outcome: AuditOutcome, details: dict[str, Any] | None = None
    ) -> None:
        self._session.execute(
            insert(audit_log).values(
                correlation_id=correlation_id,
                action=action,
                outcome=outcome.value,
                details=details or {},
                at=utc_now(),
            )
        )

    def entries(self, correlation_id: str) -> list[AuditEntry]:
        rows = self._session.execute(
            select(audit_log).where(audit_log.c.correlation_id == correlation_id).order_by(audit_log.c.id)
        )
        return [
            AuditEntry(
                correlation_id=row.correlation_id,
                action=row.action,
                outcome=row.outcome,
                details=row.details,
                at=row.at,
            )
            for row in rows
        ]
