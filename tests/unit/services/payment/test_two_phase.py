"""The two-phase idempotency runner (``services.common.idempotency.two_phase``) on SQLite: claim and
intent before the outside call, outcome after it, and what a retry finds in between.

The outside call here is a plain function that counts how often it ran; the use case writes audit
rows, so what each transaction kept can be seen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from services.common.audit import AuditOutcome
from services.common.database import Database
from services.common.errors import Rejection, TemporaryFailure
from services.common.idempotency.fingerprint import request_fingerprint
from services.common.idempotency.runner import IdempotentRequest
from services.common.idempotency.two_phase import REQUEST_IN_PROGRESS, Proceed, run_two_phase
from services.common.reply import Reply
from services.common.sqltypes import utc_now
from services.common.tables import audit_log, idempotency_keys, kit_metadata
from services.common.uow import UnitOfWork

LEASE = 60.0


class Crash(BaseException):
    """Stands for the process dying mid-call: nothing after it runs, not even clean-up."""


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = Database.connect(f"sqlite:///{tmp_path / 'kit.db'}")
    kit_metadata.create_all(db.engine)
    yield db
    db.dispose()


def request(key: str = "key-1", body: object = None) -> IdempotentRequest:
    return IdempotentRequest(key, request_fingerprint("POST", "/v1/things", body), "/v1/things")


def opener(database: Database) -> Callable[[], UnitOfWork]:
    return lambda: UnitOfWork(database)


def audit_actions(database: Database) -> list[str]:
    with database.engine.connect() as connection:
        return [row.action for row in connection.execute(select(audit_log).order_by(audit_log.c.id))]


def stored_status(database: Database, key: str) -> int | str | None:
    with database.engine.connect() as connection:
        row = connection.execute(
            select(idempotency_keys.c.response_status).where(idempotency_keys.c.key == key)
        ).first()
    return "absent" if row is None else row[0]


class UseCase:
    """begin writes an intent, call counts, finish writes the outcome; each can be told to fail."""

    def __init__(self) -> None:
        self.calls = 0
        self.begin_answer: Reply | None = None
        self.call_hook: Callable[[], None] = lambda: None
        self.finish_error: Exception | None = None

    def begin(self, uow: UnitOfWork) -> Reply | Proceed[str]:
        uow.audit.record("c1", "intent", AuditOutcome.COMPENSATED)
        return self.begin_answer or Proceed("plan")

    def call(self, plan: str) -> str:
        self.calls += 1
        self.call_hook()
        return f"{plan}:outcome-{self.calls}"

    def finish(self, uow: UnitOfWork, plan: str, outcome: str) -> Reply:
        uow.audit.record("c1", "outcome", AuditOutcome.COMPENSATED)
        if self.finish_error is not None:
            raise self.finish_error
        return Reply(201, {"outcome": outcome})

    def run(
        self, database: Database, idempotent: IdempotentRequest | None = None, lease: float = LEASE
    ) -> Reply:
        return run_two_phase(
            opener(database), idempotent or request(), self.begin, self.call, self.finish, lease_seconds=lease
        )


def test_the_call_runs_between_the_transactions_and_its_reply_is_stored(database: Database) -> None:
    use_case = UseCase()
    seen_during_call: list[object] = []
    use_case.call_hook = lambda: seen_during_call.extend(
        [stored_status(database, "key-1"), audit_actions(database)]
    )
    reply = use_case.run(database)
    assert reply == Reply(201, {"outcome": "plan:outcome-1"})
    assert seen_during_call == [None, ["intent"]]  # claimed and intent committed before the call
    assert stored_status(database, "key-1") == 201
    replay = use_case.run(database)
    assert replay == Reply(201, {"outcome": "plan:outcome-1"}, replayed=True)
    assert use_case.calls == 1
    assert audit_actions(database) == ["intent", "outcome"]


def test_an_answer_from_begin_is_stored_at_once_without_a_call(database: Database) -> None:
    use_case = UseCase()
    use_case.begin_answer = Reply(200, {"existing": True})
    assert use_case.run(database) == Reply(200, {"existing": True})
    assert use_case.run(database).replayed
    assert use_case.calls == 0
    assert stored_status(database, "key-1") == 200


def test_the_same_key_with_another_request_is_refused(database: Database) -> None:
    use_case = UseCase()
    use_case.run(database, request(body={"n": 1}))
    with pytest.raises(Rejection) as refused:
        use_case.run(database, request(body={"n": 2}))
    assert (refused.value.status, refused.value.code) == (409, "IDEMPOTENCY_KEY_REUSED")


def test_the_same_key_while_in_flight_is_a_temporary_failure_with_retry_after(database: Database) -> None:
    use_case = UseCase()
    inner: list[BaseException] = []

    def same_key_again() -> None:
        try:
            UseCase().run(database)
        except TemporaryFailure as failure:
            inner.append(failure)

    use_case.call_hook = same_key_again
    assert use_case.run(database).status == 201
    (failure,) = inner
    assert isinstance(failure, TemporaryFailure)
    assert failure.code == REQUEST_IN_PROGRESS
    assert 1 <= failure.retry_after_seconds <= LEASE


def test_a_temporary_failure_in_finish_releases_the_key_and_keeps_the_intent(database: Database) -> None:
    use_case = UseCase()
    use_case.finish_error = TemporaryFailure("UPSTREAM_DOWN", "try again")
    with pytest.raises(TemporaryFailure):
        use_case.run(database)
    assert stored_status(database, "key-1") == "absent"
    assert audit_actions(database) == ["intent"]  # finish's write rolled back, begin's kept
    use_case.finish_error = None
    assert use_case.run(database).body == {"outcome": "plan:outcome-2"}  # retried at once, not "in progress"


def test_an_unexpected_error_in_the_call_releases_the_key(database: Database) -> None:
    use_case = UseCase()

    def explode() -> None:
        raise RuntimeError("bug")

    use_case.call_hook = explode
    with pytest.raises(RuntimeError):
        use_case.run(database)
    assert stored_status(database, "key-1") == "absent"


def test_a_rejection_in_finish_is_stored_and_its_writes_undone(database: Database) -> None:
    use_case = UseCase()
    use_case.finish_error = Rejection(409, "TOO_LATE", "Too late")
    reply = use_case.run(database)
    assert (reply.status, reply.body["code"]) == (409, "TOO_LATE")
    assert audit_actions(database) == ["intent"]
    assert use_case.run(database).replayed


def test_an_abandoned_claim_is_taken_over_once_its_lease_has_run_out(database: Database) -> None:
    use_case = UseCase()

    def crash() -> None:
        raise Crash

    use_case.call_hook = crash
    with pytest.raises(Crash):
        use_case.run(database)
    assert stored_status(database, "key-1") is None  # the crash left the claim

    use_case.call_hook = lambda: None
    with pytest.raises(TemporaryFailure) as busy:
        use_case.run(database)
    assert busy.value.code == REQUEST_IN_PROGRESS  # within the lease: it might still be running
    reply = use_case.run(database, lease=0.001)
    assert reply == Reply(201, {"outcome": "plan:outcome-2"})  # begin ran again and re-drove the call
    assert audit_actions(database) == ["intent", "intent", "outcome"]


def test_when_a_takeover_finishes_first_its_reply_is_the_keys_result(database: Database) -> None:
    slow, taker = UseCase(), UseCase()
    taker.calls = 10  # its outcome reads "outcome-11": told apart from the slow one's

    def taken_over_meanwhile() -> None:
        with database.engine.begin() as connection:  # the claim looks abandoned to the next request
            connection.execute(update(idempotency_keys).values(created_at=utc_now().replace(year=2000)))
        assert taker.run(database).body == {"outcome": "plan:outcome-11"}

    slow.call_hook = taken_over_meanwhile
    reply = slow.run(database)
    assert reply == Reply(201, {"outcome": "plan:outcome-11"}, replayed=True)
    assert audit_actions(database) == ["intent", "intent", "outcome"]  # the slow finish never ran
