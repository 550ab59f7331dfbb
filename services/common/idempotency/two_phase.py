"""Idempotency for a use case that calls another system between two transactions of its own.

:func:`~services.common.idempotency.runner.run_idempotently` does the work inside one transaction.
That is wrong when the work is a call to an outside system (a card processor): holding a transaction
open across a network call of unbounded length pins locks and connections, and a call made inside a
transaction that then rolls back has still happened. :func:`run_two_phase` splits the request:

1. **begin** (transaction 1): claim the key, and let the use case record its intent (a ``PENDING``
   row, say). The use case either answers at once (a :class:`Reply`, stored with the claim, exactly
   like ``run_idempotently``) or asks for the outside call with :class:`Proceed`. The claim and the
   intent commit *before* the call.
2. **call** (no transaction): the outside call, which must itself be idempotent (the use case derives
   the outside system's idempotency key from its own data, never from this request).
3. **finish** (transaction 2): record what the call found out and store the reply under the key.

While a request is between the two transactions its key row has no reply (``response_status`` NULL)
and its ``created_at`` says when the claim was taken. Another request with the same key then gets a
503 ``REQUEST_IN_PROGRESS`` with ``Retry-After`` (a 503 rather than a 409: callers treat a 4xx as
the business's final "no", while "try again shortly" is what this is). A claim older than
``lease_seconds`` is taken to be abandoned (the process crashed mid-call) and the next request with
the key takes it over and runs ``begin`` again, which re-drives the outside call with the same
outside key; so a crash between the transactions leaves a state that a retry completes. The lease
must outlast the longest call, but safety never depends on it: effects are guarded by the use case's
own rows and the outside key, and the first ``finish`` to store a reply wins (a later one returns the
stored reply instead of running again).

A :class:`TemporaryFailure` (or any error) from ``call``/``finish`` releases the claim: nothing is
stored and the same key may be retried at once; what ``begin`` committed stays, by design.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import delete, select, update

from services.common.errors import Rejection, TemporaryFailure
from services.common.idempotency.runner import IdempotentRequest, replay
from services.common.idempotency.store import IdempotencyStore
from services.common.problems import rejection_problem
from services.common.reply import Reply
from services.common.sqltypes import utc_now
from services.common.tables import idempotency_keys
from services.common.transactions import run_transaction
from services.common.uow import UnitOfWork

log = logging.getLogger(__name__)

REQUEST_IN_PROGRESS = "REQUEST_IN_PROGRESS"

U = TypeVar("U", bound=UnitOfWork)
P = TypeVar("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Proceed(Generic[P]):
    """``begin``'s answer when the outside call is needed: ``plan`` is everything the call needs."""

    plan: P


@dataclass(frozen=True)
class Claim:
    """A locked row of ``idempotency_keys``; ``claimed_at`` is its ``created_at``."""

    fingerprint: str
    status: int | None
    body: dict[str, Any] | None
    claimed_at: datetime


class ClaimStore(IdempotencyStore):
    """The kit's store plus what a claim that outlives its transaction needs: lock, renew, release."""

    def lock(self, key: str) -> Claim | None:
        row = self._session.execute(
            select(
                idempotency_keys.c.request_fingerprint,
                idempotency_keys.c.response_status,
                idempotency_keys.c.response_body,
                idempotency_keys.c.created_at,
            )
            .where(idempotency_keys.c.key == key)
            .with_for_update()
        ).first()
        if row is None:
            return None
        return Claim(fingerprint=row[0], status=row[1], body=row[2], claimed_at=row[3])

    def renew(self, key: str) -> None:
        """Take over an abandoned claim: it is ours from now, for another lease."""
        self._session.execute(
            update(idempotency_keys).where(idempotency_keys.c.key == key).values(created_at=utc_now())
        )

    def release(self, key: str, fingerprint: str) -> None:
        """Drop an unfinished claim, so the same key can be retried at once."""
        self._session.execute(
            delete(idempotency_keys).where(
                idempotency_keys.c.key == key,
                idempotency_keys.c.request_fingerprint == fingerprint,
                idempotency_keys.c.response_status.is_(None),
            )
        )


def _in_progress(request: IdempotentRequest, claim: Claim, lease_seconds: float) -> TemporaryFailure | None:
    """The 503 for a claim still within its lease, or ``None`` when it may be taken over."""
    remaining = lease_seconds - (utc_now() - claim.claimed_at).total_seconds()
    if remaining <= 0:
        return None
    return TemporaryFailure(
        REQUEST_IN_PROGRESS,
        f"a request with key {request.key!r} is in progress; retry when it has finished",
        retry_after_seconds=max(1, math.ceil(remaining)),
    )


def _rejected(rejection: Rejection, request: IdempotentRequest) -> Reply:
    """A business "no" as the key's stored reply (the problem document)."""
    return Reply(rejection.status, rejection_problem(rejection, request.instance).body())


def run_two_phase(
    open_uow: Callable[[], U],
    request: IdempotentRequest,
    begin: Callable[[U], Reply | Proceed[P]],
    call: Callable[[P], R],
    finish: Callable[[U, P, R], Reply],
    *,
    lease_seconds: float,
) -> Reply:
    """The stored reply for ``request.key``, or the reply of ``begin`` / ``call`` / ``finish``.

    ``begin`` and ``finish`` write through their unit of work and return a :class:`Reply` or raise
    :class:`Rejection` (stored, its writes undone), as with ``run_idempotently``. ``call`` runs outside
    any transaction. See the module docstring for claims, leases and failures.
    """

    def first() -> Reply | Proceed[P]:
        with open_uow() as uow:
            claims = ClaimStore(uow.session)
            claim = claims.lock(request.key)
            if claim is None:
                claims.claim(request.key, request.fingerprint)
            elif claim.status is None and claim.fingerprint == request.fingerprint:
                busy = _in_progress(request, claim, lease_seconds)
                if busy is not None:
                    raise busy
                log.warning("taking over the abandoned claim of idempotency key %r", request.key)
                claims.renew(request.key)
            else:
                return replay(claim.status, claim.body, claim.fingerprint == request.fingerprint, request.key)
            try:
                with uow.session.begin_nested():
                    decision = begin(uow)
            except Rejection as rejection:
                decision = _rejected(rejection, request)
            if isinstance(decision, Reply):
                claims.complete(request.key, decision)
            uow.commit()
            return decision

    def second(plan: P, outcome: R) -> Reply:
        with open_uow() as uow:
            claims = ClaimStore(uow.session)
            claim = claims.lock(request.key)
            if claim is None:
                # A takeover that failed released the claim meanwhile: our outcome is as good as any.
                claims.claim(request.key, request.fingerprint)
            elif claim.status is not None:
                # A takeover finished first; its reply is the key's result.
                return replay(claim.status, claim.body, claim.fingerprint == request.fingerprint, request.key)
            try:
                with uow.session.begin_nested():
                    reply = finish(uow, plan, outcome)
            except Rejection as rejection:
                reply = _rejected(rejection, request)
            claims.complete(request.key, reply)
            uow.commit()
            return reply

    what = f"request with idempotency key {request.key!r}"
    decision = run_transaction(first, what=what)
    if isinstance(decision, Reply):
        return decision
    try:
        outcome = call(decision.plan)
        return run_transaction(lambda: second(decision.plan, outcome), what=what)
    except Exception:
        _release(open_uow, request)
        raise


def _release(open_uow: Callable[[], U], request: IdempotentRequest) -> None:
    """Best effort: when the database is what failed, the claim's lease frees the key instead."""

    def attempt() -> None:
        with open_uow() as uow:
            ClaimStore(uow.session).release(request.key, request.fingerprint)
            uow.commit()

    try:
        run_transaction(attempt, what=f"release of idempotency key {request.key!r}")
    except Exception:
        log.warning("could not release the claim of idempotency key %r; its lease will", request.key)
