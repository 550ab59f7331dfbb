"""Forgetting idempotency keys once no caller can still retry with them.

A key only has to outlive its caller's retries: the saga's workers retry within minutes, or when an
operator resolves an incident, days later at worst. A request under a forgotten key runs again, and
the service's own rows answer it (every forward step is once per checkout whatever the key, and
every compensation is a no-op once done), so for the saga's calls a forgotten key turns a replayed
answer into a recomputed one, never into a second effect. The payment provider stand-in, like a real
processor, relies instead on its caller not retrying that late.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from services.common.database import Database
from services.common.purge import Purge, delete_chunk
from services.common.tables import idempotency_keys

log = logging.getLogger(__name__)


def forget_keys(before: datetime, session: Session, limit: int) -> int:
    """Delete up to ``limit`` keys claimed before ``before``; how many were deleted."""
    condition = idempotency_keys.c.created_at < before
    return delete_chunk(session, idempotency_keys, condition, idempotency_keys.c.key, limit)


async def keep_forgetting(database: Database, keep_days: float, interval_seconds: float, name: str) -> None:
    """Every ``interval_seconds`` (the first at once), delete the keys older than ``keep_days``,
    until cancelled. A failed pass is logged and the next one tries again; a pass under way when
    cancelled stops after its current chunk."""
    purge = Purge(database, keep_days, interval_seconds, f"{name}: idempotency keys")
    stopping = threading.Event()
    try:
        while True:
            try:
                await run_in_threadpool(purge.run, forget_keys, stopping)
            except SQLAlchemyError as error:
                log.warning("%s: idempotency keys not purged (%s)", name, error)
            await asyncio.sleep(interval_seconds)
    finally:
        stopping.set()
