"""Deleting old rows a chunk at a time, so a purge never holds long locks beside live writes."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, CursorResult, Table, delete, select
from sqlalchemy.orm import Session

from services.common.database import Database
from services.common.sqltypes import utc_now

log = logging.getLogger(__name__)

DeleteBefore = Callable[[datetime, Session, int], int]
"""``(before, session, at most)``: deletes up to that many rows older than ``before``; how many."""

CHUNK = 1000
"""Rows deleted per transaction."""


def delete_chunk(session: Session, table: Table, condition: ColumnElement[bool], key: Any, limit: int) -> int:
    """Delete up to ``limit`` rows of ``table`` matching ``condition``; how many were deleted.

    ``key`` is a column the subquery picks rows by (``condition`` is applied again outside it, so a
    key shared with rows that do not match deletes none of them).
    """
    if session.get_bind().dialect.name in ("mysql", "mariadb"):
        # MariaDB takes no LIMIT in an IN subquery, but a LIMIT on the DELETE itself.
        statement = delete(table).where(condition).with_dialect_options(mysql_limit=limit)
    else:
        chosen = select(key).where(condition).limit(limit).scalar_subquery()
        statement = delete(table).where(condition, key.in_(chosen))
    result: CursorResult[Any] = session.execute(statement)  # type: ignore[assignment]
    return result.rowcount


class Purge:
    """A periodic purge of the rows older than a retention: when it is due, and how many rows it
    deleted. A retention of 0 days keeps every row."""

    def __init__(self, database: Database, keep_days: float, interval_seconds: float, what: str) -> None:
        """``what`` names the rows in the log ("cart-checkouts inbox rows")."""
        self._database = database
        self._keep = timedelta(days=keep_days)
        self._interval_seconds = interval_seconds
        self._what = what
        self._due_at = 0.0
        self.chunk = CHUNK
        self.total = 0

    def due(self) -> bool:
        """Whether a purge is due now (the first at once); if so, the next is one interval away."""
        if time.monotonic() < self._due_at:
            return False
        self._due_at = time.monotonic() + self._interval_seconds
        return True

    def run(self, delete_before: DeleteBefore, stop: threading.Event | None = None) -> int:
        """``delete_before`` in a transaction of its own, again while it deletes a full chunk and
        ``stop`` is not set; the rows deleted."""
        if not self._keep:
            return 0
        before = utc_now() - self._keep
        deleted = 0
        while stop is None or not stop.is_set():
            with self._database.write_sessions.begin() as session:
                count = delete_before(before, session, self.chunk)
            deleted += count
            self.total += count
            if count < self.chunk:
                break
        if deleted:
            log.info("%s: deleted %d older than %s", self._what, deleted, before)
        return deleted
