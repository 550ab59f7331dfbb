"""The ``idempotency_keys`` table: claim a key, record the reply, find it again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from services.common.reply import Reply
from services.common.sqltypes import utc_now
from services.common.tables import idempotency_keys

# Built once, with parameters: every request of every service runs these, and building a statement
# per call costs more CPU than SQLite takes to execute it.
_FIND = select(
    idempotency_keys.c.request_fingerprint,
    idempotency_keys.c.response_status,
    idempotency_keys.c.response_body,
).where(idempotency_keys.c.key == bindparam("match_key"))
_CLAIM = insert(idempotency_keys)
_COMPLETE = (
    update(idempotency_keys)
    .where(idempotency_keys.c.key == bindparam("match_key"))
    .values(response_status=bindparam("status"), response_body=bindparam("body"))
)


@dataclass(frozen=True)
class StoredReply:
    """A row of ``idempotency_keys``; ``status`` is ``None`` only inside the claiming transaction."""

    key: str
    fingerprint: str
    status: int | None
    body: dict[str, Any] | None


class IdempotencyStore:
    """Reads and writes ``idempotency_keys`` inside the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def find(self, key: str) -> StoredReply | None:
        row = self._session.execute(_FIND, {"match_key": key}).first()
        if row is None:
            return None
        return StoredReply(key=key, fingerprint=row[0], status=row[1], body=row[2])

    def claim(self, key: str, fingerprint: str) -> None:
        """Insert the key now, so a concurrent request with the same key waits on (then trips over) it.

        Raises ``IntegrityError`` when another transaction holds or has committed the key.
        """
        self._session.execute(
            _CLAIM,
            {
                "key": key,
                "request_fingerprint": fingerprint,
                "response_status": None,
                "created_at": utc_now(),
            },
        )

    def complete(self, key: str, reply: Reply) -> None:
        """Record the reply of the claimed key; it commits (or not) with the work itself."""
        self._session.execute(_COMPLETE, {"match_key": key, "status": reply.status, "body": reply.body})
