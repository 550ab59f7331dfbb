"""Rerun a whole transaction when it lost a race the database detected.

Two kinds of failure mean "someone else got there first, try again from the top": a unique violation
(a concurrent request inserted the same key or the same checkout's row and committed) and a transient
conflict (deadlock, serialisation failure, lock wait timeout, SQLite busy). The transaction was rolled
back, so rerunning it is safe; when it keeps happening the caller gets a retryable 503.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError

from services.common.database import is_transient, is_unique_violation
from services.common.errors import TemporaryFailure

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_ATTEMPTS = 5


def run_transaction(attempt: Callable[[], T], *, what: str = "transaction") -> T:
    """``attempt()`` (which opens, runs and commits one transaction), rerun on lost races."""
    for number in range(1, MAX_ATTEMPTS + 1):
        try:
            return attempt()
        except IntegrityError as error:
            if not is_unique_violation(error):
                raise
            log.info("%s lost an insert race (attempt %d); rerunning", what, number)
        except DBAPIError as error:
            if not is_transient(error):
                raise
            log.info("%s hit a transient conflict (attempt %d): %s", what, number, type(error.orig).__name__)
    raise TemporaryFailure("CONCURRENT_REQUESTS", f"the {what} kept colliding with concurrent ones; retry")
