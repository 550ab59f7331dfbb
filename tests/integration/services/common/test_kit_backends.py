"""The kit on every backend it supports: SQLite, PostgreSQL and MariaDB.

Migrations (up, down, up again, and no drift from the models), the idempotency runner (replay, key
reuse, stored rejections, nothing stored on technical failure, one winner among concurrent same-key
requests), the outbox and audit writers, and time zones.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy import Engine, MetaData, event, inspect, select, text, update

from events.consumer.inbox import Inbox, create_inbox, inbox
from services.common.audit import AuditLog, AuditOutcome
from services.common.database import Database
from services.common.errors import Rejection
from services.common.idempotency.fingerprint import request_fingerprint
from services.common.idempotency.retention import forget_keys
from services.common.idempotency.runner import IdempotentRequest, run_idempotently
from services.common.migrations import (
    advisory_lock_key,
    current_revisions,
    downgrade_to,
    head_revisions,
    lock_name,
    upgrade_to_head,
)
from services.common.outbox import OutboxReader
from services.common.reply import Reply
from services.common.tables import idempotency_keys, kit_metadata, outbox
from services.common.uow import UnitOfWork
from services.inventory.adapters.orm import metadata as inventory_metadata
from services.payment_provider.adapters.orm import metadata as provider_metadata
from tests.integration.services.conftest import new_database
from tests.unit.services.support import count, unique

SERVICES = {"services.inventory": inventory_metadata, "services.payment_provider": provider_metadata}


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mariadb"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def database(request: pytest.FixtureRequest, backend: str) -> Iterator[Database]:
    database = Database.connect(new_database(request, backend))
    upgrade_to_head(database.engine, "services.inventory")
    yield database
    database.dispose()


@pytest.mark.parametrize("package", sorted(SERVICES))
def test_migrations_go_up_down_and_up_and_match_the_models(
    request: pytest.FixtureRequest, backend: str, package: str
) -> None:
    database = Database.connect(new_database(request, backend))
    try:
        upgrade_to_head(database.engine, package)
        upgrade_to_head(database.engine, package)  # a second start applies nothing
        assert current_revisions(database.engine) == head_revisions(package) != set()
        expected = MetaData()
        for table in (*SERVICES[package].tables.values(), *kit_metadata.tables.values()):
            table.to_metadata(expected)
        with database.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), expected)
        assert diff == []
        downgrade_to(database.engine, package, "base")
        assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
        upgrade_to_head(database.engine, package)
        assert {"idempotency_keys", "outbox", "audit_log"} <= set(inspect(database.engine).get_table_names())
    finally:
        database.dispose()


def test_replicas_starting_together_migrate_once(request: pytest.FixtureRequest, backend: str) -> None:
    """Four processes' worth of start-ups at once: the migration lock lets one migrate, the rest wait."""
    url = new_database(request, backend)
    barrier = threading.Barrier(4)

    def start(_: int) -> set[str]:
        database = Database.connect(url)
        try:
            barrier.wait()
            upgrade_to_head(database.engine, "services.inventory")
            return current_revisions(database.engine)
        finally:
            database.dispose()

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(start, range(4))) == [head_revisions("services.inventory")] * 4


def migration_lock_is_free(engine: Engine, package: str) -> bool:
    """Asked from another session, as a waiting replica would find it."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            key = advisory_lock_key(package)
            query = text("SELECT pg_try_advisory_xact_lock(:key)")  # taken, if free, until this commit
            return bool(connection.execute(query, {"key": key}).scalar())
        return (
            connection.execute(text("SELECT IS_FREE_LOCK(:name)"), {"name": lock_name(package)}).scalar() == 1
        )


@pytest.mark.parametrize("server", ["postgresql", "mariadb"])
def test_the_migration_lock_is_held_until_the_migrations_have_committed(
    request: pytest.FixtureRequest, server: str
) -> None:
    """Else a replica taking the lock between its release and the commit reads the previous version
    and runs the last migration again."""
    package = "services.inventory"
    database = Database.connect(new_database(request, server))
    observer = Database.connect(database.engine.url)
    versions_written = False
    free_at_commit: list[bool] = []

    @event.listens_for(database.engine, "before_cursor_execute")
    def note_version_writes(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        nonlocal versions_written
        versions_written |= "alembic_version" in statement and not statement.lstrip().startswith("SELECT")

    @event.listens_for(database.engine, "commit")
    def check_the_lock(_conn: Any) -> None:
        nonlocal versions_written
        if versions_written:
            free_at_commit.append(migration_lock_is_free(observer.engine, package))
            versions_written = False

    try:
        upgrade_to_head(database.engine, package)
    finally:
        database.dispose()
        observer.dispose()
    assert free_at_commit == [False]


@dataclass(frozen=True)
class Noted:
    """A minimal domain event."""

    event_type: ClassVar[str] = "Noted"
    schema_version: ClassVar[int] = 1
    checkout_id: str
    note: str

    def payload(self) -> dict[str, Any]:
        return {"note": self.note}


def request_for(key: str, body: dict[str, Any]) -> IdempotentRequest:
    return IdempotentRequest(key, request_fingerprint("POST", "/v1/notes", body), "/v1/notes")


def note(checkout: str, text: str, calls: list[str] | None = None) -> Any:
    def operation(uow: UnitOfWork) -> Reply:
        if calls is not None:
            calls.append(text)
        uow.outbox.add(Noted(checkout, text))
        if text == "refuse":
            raise Rejection(409, "REFUSED", "Refused", "the rule said no")
        if text == "crash":
            raise RuntimeError("technical failure")
        return Reply(201, {"checkout_id": checkout, "note": text})

    return operation


def test_a_retry_replays_and_a_reused_key_is_409(database: Database) -> None:
    checkout, key = unique("chk"), unique("key")
    calls: list[str] = []
    first = run_idempotently(
        lambda: UnitOfWork(database), request_for(key, {"n": 1}), note(checkout, "hi", calls)
    )
    again = run_idempotently(
        lambda: UnitOfWork(database), request_for(key, {"n": 1}), note(checkout, "hi", calls)
    )
    assert first == Reply(201, {"checkout_id": checkout, "note": "hi"})
    assert again == Reply(201, first.body, replayed=True)
    assert calls == ["hi"]
    with pytest.raises(Rejection) as reused:
        run_idempotently(lambda: UnitOfWork(database), request_for(key, {"n": 2}), note(checkout, "x"))
    assert (reused.value.status, reused.value.code) == (409, "IDEMPOTENCY_KEY_REUSED")
    assert count(database.engine, outbox, checkout_id=checkout) == 1


def test_a_rejection_is_stored_but_its_writes_are_undone(database: Database) -> None:
    checkout, key = unique("chk"), unique("key")
    reply = run_idempotently(lambda: UnitOfWork(database), request_for(key, {}), note(checkout, "refuse"))
    assert reply.status == 409
    assert reply.body["code"] == "REFUSED"
    assert reply.body["instance"] == "/v1/notes"
    assert count(database.engine, outbox, checkout_id=checkout) == 0
    replay = run_idempotently(lambda: UnitOfWork(database), request_for(key, {}), note(checkout, "other"))
    assert replay == Reply(409, reply.body, replayed=True)


def test_a_technical_failure_stores_nothing(database: Database) -> None:
    checkout, key = unique("chk"), unique("key")
    with pytest.raises(RuntimeError):
        run_idempotently(lambda: UnitOfWork(database), request_for(key, {}), note(checkout, "crash"))
    assert count(database.engine, idempotency_keys, key=key) == 0
    assert count(database.engine, outbox, checkout_id=checkout) == 0
    reply = run_idempotently(lambda: UnitOfWork(database), request_for(key, {}), note(checkout, "fine"))
    assert reply.status == 201


def test_concurrent_requests_with_one_key_commit_one_effect(database: Database) -> None:
    checkout, key = unique("chk"), unique("key")
    barrier = threading.Barrier(8)

    def call(_: int) -> Reply:
        barrier.wait()
        return run_idempotently(lambda: UnitOfWork(database), request_for(key, {}), note(checkout, "once"))

    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(call, range(8)))
    assert {(r.status, r.body["note"]) for r in replies} == {(201, "once")}
    assert sum(not r.replayed for r in replies) == 1
    assert count(database.engine, outbox, checkout_id=checkout) == 1


def test_outbox_reader_and_audit_log(database: Database) -> None:
    checkout = unique("chk")
    with UnitOfWork(database) as uow:
        uow.outbox.add(Noted(checkout, "a"))
        uow.outbox.add(Noted(checkout, "b"))
        uow.audit.record(checkout, "test.undo", AuditOutcome.NOOP_NOTHING_TO_COMPENSATE, {"why": "nothing"})
        uow.commit()
    with UnitOfWork(database) as uow:
        messages = OutboxReader(uow.session).for_checkout(checkout)
        assert [(m.event_type, m.schema_version, m.payload) for m in messages] == [
            ("Noted", 1, {"note": "a"}),
            ("Noted", 1, {"note": "b"}),
        ]
        assert all(m.occurred_at.tzinfo is UTC for m in messages)
        OutboxReader(uow.session).delete_published([messages[0].event_id])
        uow.commit()
    with UnitOfWork(database, read_only=True) as uow:
        left = OutboxReader(uow.session).for_checkout(checkout)
        assert [m.event_id for m in left] == [messages[1].event_id]
        entries = AuditLog(uow.session).entries(checkout)
    assert [(e.action, e.outcome, e.details) for e in entries] == [
        ("test.undo", "NOOP_NOTHING_TO_COMPENSATE", {"why": "nothing"})
    ]


LONG_AGO = datetime(1999, 12, 31, tzinfo=UTC)
CUTOFF = datetime(2000, 1, 1, tzinfo=UTC)
"""Before any other test's rows were written: a purge touches this test's rows only."""


def test_a_groups_inbox_forgets_only_its_own_events_applied_before_the_cutoff(database: Database) -> None:
    create_inbox(database.engine)
    group, other = unique("group"), unique("group")
    with UnitOfWork(database) as uow:
        for _ in range(3):
            Inbox(uow.session, group).add(uuid.uuid4(), "Old")
        Inbox(uow.session, other).add(uuid.uuid4(), "Old")
        both = inbox.c.group_id.in_([group, other])
        uow.session.execute(update(inbox).where(both).values(processed_at=LONG_AGO))
        Inbox(uow.session, group).add(uuid.uuid4(), "Recent")
        uow.commit()

    with UnitOfWork(database) as uow:
        chunks = [Inbox(uow.session, group).purge(CUTOFF, 2) for _ in range(3)]
        uow.commit()

    assert chunks == [2, 1, 0]
    with database.engine.connect() as connection:
        rows = connection.execute(
            select(inbox.c.group_id, inbox.c.event_type).where(inbox.c.group_id.in_([group, other]))
        )
        assert sorted(rows) == sorted([(group, "Recent"), (other, "Old")])


def test_keys_claimed_before_the_cutoff_are_forgotten_a_chunk_at_a_time(database: Database) -> None:
    old, recent = [unique("key") for _ in range(3)], unique("key")
    with UnitOfWork(database) as uow:
        for key in old:
            uow.session.execute(
                idempotency_keys.insert().values(key=key, request_fingerprint="f" * 64, created_at=LONG_AGO)
            )
        uow.session.execute(
            idempotency_keys.insert().values(key=recent, request_fingerprint="f" * 64, created_at=CUTOFF)
        )
        uow.commit()

    with UnitOfWork(database) as uow:
        chunks = [forget_keys(CUTOFF, uow.session, 2) for _ in range(3)]
        uow.commit()

    assert chunks == [2, 1, 0]
    with database.engine.connect() as connection:
        query = select(idempotency_keys.c.key).where(idempotency_keys.c.key.in_([*old, recent]))
        assert list(connection.execute(query).scalars()) == [recent]


def test_times_come_back_in_utc_with_microseconds(database: Database) -> None:
    key = unique("key")
    moment = datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    with UnitOfWork(database) as uow:
        uow.session.execute(
            idempotency_keys.insert().values(key=key, request_fingerprint="f" * 64, created_at=moment)
        )
        uow.commit()
    with database.engine.connect() as connection:
        stored = connection.execute(
            select(idempotency_keys.c.created_at).where(idempotency_keys.c.key == key)
        ).scalar_one()
    assert stored == moment
    assert stored.tzinfo is not None


def test_events_of_one_transaction_are_read_back_in_the_order_written(database: Database) -> None:
    checkout = unique("chk")
    texts = [f"n{i}" for i in range(50)]
    with UnitOfWork(database) as uow:
        for text in texts:
            uow.outbox.add(Noted(checkout, text))
        uow.commit()
    with UnitOfWork(database, read_only=True) as uow:
        messages = OutboxReader(uow.session).for_checkout(checkout)
    assert [m.payload["note"] for m in messages] == texts
    assert all(a.occurred_at < b.occurred_at for a, b in itertools.pairwise(messages))


def test_an_event_written_inside_a_span_keeps_its_trace_context(database: Database) -> None:
    checkout = unique("chk")
    tracer = TracerProvider().get_tracer(__name__)
    with tracer.start_as_current_span("checkout") as span, UnitOfWork(database) as uow:
        uow.outbox.add(Noted(checkout, "traced"))
        uow.commit()
        context = span.get_span_context()
    with UnitOfWork(database) as uow:
        uow.outbox.add(Noted(checkout, "untraced"))
        uow.commit()
    with UnitOfWork(database, read_only=True) as uow:
        traced, untraced = OutboxReader(uow.session).for_checkout(checkout)
    assert (
        traced.traceparent
        == f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"
    )
    assert untraced.traceparent is None
