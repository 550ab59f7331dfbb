"""Deleting old rows a chunk at a time, so a purge never holds long locks beside live writes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, CursorResult, Table, delete, select
from sqlalchemy.orm import Session

from services.common.database import Database

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
    """A periodic purge of one table's old rows: when it is due, and how many rows it deleted."""

    def __init__(self, database: Database, interval_seconds: float) -> None:
        self._database = database
        self._interval_seconds = interval_seconds
        self._due_at = 0.0
        self.chunk = CHUNK
        self.total = 0

    def due(self) -> bool:
        """Whether a purge is due now (the first at once); if so, the next is one interval away."""
        if time.monotonic() < self._due_at:
            return False
        self._due_at = time.monotonic() + self._interval_seconds
        return True

    def run(self, delete_chunk: Callable[[Session, int], int], stop: threading.Event | None = None) -> int:
        """``delete_chunk(session, at most)`` in a transaction of its own, again while it deletes a
        full chunk and ``stop`` is not set; the rows deleted."""
        deleted = 0
        while stop is None or not stop.is_set():
            with self._database.write_sessions.begin() as session:
                count = delete_chunk(session, self.chunk)
            deleted += count
            self.total += count
            if count < self.chunk:
                break
        return deleted
