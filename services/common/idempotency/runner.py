"""Run a write use case at most once per idempotency key, in one transaction with its effects.

The key row is inserted (claimed) *before* the work and in the same transaction, so a concurrent
request with the same key blocks on the primary key until the first one commits, then fails with a
unique violation; the runner then rolls back and reads the stored reply instead. The work runs in a
savepoint: a :class:`Rejection` (business "no") undoes the work's partial writes but keeps the claim,
so the rejection is the key's stored first result too. Technical failures roll back everything,
claim included: nothing is stored and the request may be retried.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from services.common.errors import Rejection, TemporaryFailure
from services.common.problems import IDEMPOTENCY_KEY_REUSED, rejection_problem
from services.common.reply import Reply
from services.common.transactions import run_transaction
from services.common.uow import UnitOfWork

U = TypeVar("U", bound=UnitOfWork)


@dataclass(frozen=True)
class IdempotentRequest:
    """The key the caller sent, the request's fingerprint and its path (the problem ``instance``)."""

    key: str
    fingerprint: str
    instance: str


def replay(stored_status: int | None, stored_body: object, same_request: bool, key: str) -> Reply:
    """The answer to a key seen before: its stored reply, or 409 when the request differs."""
    if not same_request:
        raise Rejection(
            409,
            IDEMPOTENCY_KEY_REUSED,
            "Idempotency key reused with a different request",
            f"The key {key!r} was first used with another request; use a new key for a new request.",
        )
    if stored_status is None or not isinstance(stored_body, dict):
        # Only the claiming transaction can see an unfinished row; seeing one means a bug or a crash.
        raise TemporaryFailure("IDEMPOTENCY_KEY_IN_FLIGHT", f"the request with key {key!r} is in progress")
    return Reply(status=stored_status, body=stored_body, replayed=True)


def run_idempotently(
    open_uow: Callable[[], U],
    request: IdempotentRequest,
    operation: Callable[[U], Reply],
) -> Reply:
    """The stored reply for ``request.key``, or ``operation``'s, stored in the same transaction.

    ``operation`` writes through the unit of work and returns a :class:`Reply` (2xx, or a 4xx whose
    writes must stay, like a declined payment that is recorded), or raises :class:`Rejection` (a 4xx
    whose writes are undone). A 409 ``IDEMPOTENCY_KEY_REUSED`` is raised, and not stored, when the
    key was first used with a different fingerprint.
    """

    def attempt() -> Reply:
        with open_uow() as uow:
            stored = uow.idempotency.find(request.key)
            if stored is not None:
                same = stored.fingerprint == request.fingerprint
                return replay(stored.status, stored.body, same, request.key)
            uow.idempotency.claim(request.key, request.fingerprint)
            try:
                with uow.session.begin_nested():
                    reply = operation(uow)
            except Rejection as rejection:
                reply = Reply(rejection.status, rejection_problem(rejection, request.instance).body())
            uow.idempotency.complete(request.key, reply)
            uow.commit()
            return reply

    return run_transaction(attempt, what=f"request with idempotency key {request.key!r}")
