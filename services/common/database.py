"""Engines and session factories: SQLite (WAL, foreign keys, serialised writers), PostgreSQL, MariaDB.

SQLite has no row locks, so every *write* transaction starts with ``BEGIN IMMEDIATE``: writers queue
for the database lock (``busy_timeout``) instead of failing half-way with "database is locked", and a
read-check-write use case cannot interleave with another; the writers of one process take turns on a
lock first (:class:`_WriterTurns`). Reads start with a plain deferred ``BEGIN`` so WAL lets them run
beside a writer. PostgreSQL and MariaDB rely on row locks
(``SELECT ... FOR UPDATE``) taken by the repositories, both at READ COMMITTED.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from services.common.settings import ServiceSettings
from telemetry.instrumentation import instrument_database

_HOLDS_WRITER_TURN = "holds_sqlite_writer_turn"
"""Key, in a pooled connection's ``info``, marking that its open write transaction holds the turn."""
SQLITE_BEGIN_OPTION = "sqlite_begin"
"""Execution option naming how a SQLite transaction begins: ``IMMEDIATE`` (default) or ``DEFERRED``."""

_DRIVERS = {"postgresql": "postgresql+psycopg", "mysql": "mysql+pymysql", "mariadb": "mariadb+pymysql"}


def normalise_url(url: str | URL) -> URL:
    """Give driver-less URLs the drivers this project installs (psycopg 3, pymysql)."""
    parsed = make_url(url)
    if parsed.drivername in _DRIVERS:
        parsed = parsed.set(drivername=_DRIVERS[parsed.drivername])
    return parsed


def _is_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:") or "mode=memory" in str(url)


def create_db_engine(url: str | URL, settings: ServiceSettings | None = None) -> Engine:
    """An engine for ``url`` configured for the service's concurrency rules (see the module docstring),
    with a span per statement when tracing is on."""
    engine = _engine(normalise_url(url), settings)
    instrument_database(engine)
    return engine


def _engine(parsed: URL, settings: ServiceSettings | None) -> Engine:
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, settings)
    options: dict[str, Any] = {"pool_pre_ping": True}
    if parsed.get_backend_name() in ("mysql", "mariadb"):
        # As on PostgreSQL: each statement sees what is committed, and no gap locks, which under
        # REPEATABLE READ make concurrent inserts of *different* new rows deadlock each other.
        options["isolation_level"] = "READ COMMITTED"
    if settings is not None:
        options.update(
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout_seconds,
        )
    return create_engine(parsed, **options)


def _enable_wal(cursor: Any, busy_ms: float) -> None:
    """Switch a file database to WAL, retrying while another connection holds it.

    Changing the journal mode needs the database to itself and, unlike ordinary statements, does not
    wait on the busy handler: replicas opening a fresh file together would otherwise fail at once with
    "database is locked". Once the file is in WAL mode the pragma is a no-op that never conflicts.
    """
    deadline = time.monotonic() + busy_ms / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


class _WriterTurns:
    """Write transactions of one process take turns on a lock before ``BEGIN IMMEDIATE``.

    SQLite's busy handler makes a writer that finds the database locked sleep (1, 2, 5, ... up to
    100 ms) before it tries again, so under load a waiting writer sleeps on long after the lock came
    free while newer writers get in first. Waiting on a lock in the process instead hands the database
    on as its holder commits (SQLAlchemy announces a commit just before running it, so the next writer
    may still meet the busy handler's first short sleeps while that COMMIT finishes). Under
    bench/checkout_load.py the p99 from POST to terminal status fell from 5.6-6.5 s to 3.2-3.4 s at
    the same throughput. Writers in other processes (a relay) still meet the busy handler; after
    ``busy_timeout`` of waiting here a writer goes on to it anyway, so a turn that somehow leaked
    would slow writers, never stop them.
    """

    def __init__(self, longest_wait_s: float) -> None:
        self._lock = threading.Lock()
        self._longest_wait_s = longest_wait_s

    def take(self, info: dict[Any, Any]) -> None:
        info[_HOLDS_WRITER_TURN] = self._lock.acquire(timeout=self._longest_wait_s)

    def give_back(self, info: dict[Any, Any]) -> None:
        """Idempotent: the transaction's end and the connection's return may both call it."""
        if info.pop(_HOLDS_WRITER_TURN, False):
            self._lock.release()


def _sqlite_engine(url: URL, settings: ServiceSettings | None) -> Engine:
    busy_ms = settings.sqlite_busy_timeout_ms if settings is not None else 30_000
    memory = _is_memory(url)
    options: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": busy_ms / 1000}}
    if memory:
        # One connection shared by every thread: only for single-threaded tests and tools.
        options["poolclass"] = StaticPool
    elif url.database:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **options)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Take transaction control away from the sqlite3 module so that BEGIN is ours (see begin below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not memory:
            _enable_wal(cursor, busy_ms)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
        cursor.close()

    turns = _WriterTurns(busy_ms / 1000)

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        if connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "IMMEDIATE") == "DEFERRED":
            connection.exec_driver_sql("BEGIN DEFERRED")
            return
        turns.take(connection.info)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            turns.give_back(connection.info)
            raise

    def _ended(connection: Connection) -> None:
        turns.give_back(connection.info)

    def _returned(_dbapi_connection: Any, record: ConnectionPoolEntry, *_: Any) -> None:
        turns.give_back(record.info)

    event.listen(engine, "commit", _ended)
    event.listen(engine, "rollback", _ended)
    # Backstops: a transaction whose end raised no event still gives its turn back with its connection.
    event.listen(engine.pool, "checkin", _returned)
    event.listen(engine.pool, "invalidate", _returned)
    return engine


@dataclass(frozen=True)
class Database:
    """An engine with its two session factories: one for writes, one for reads."""

    engine: Engine
    write_sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]

    @classmethod
    def connect(cls, url: str | URL, settings: ServiceSettings | None = None) -> Database:
        engine = create_db_engine(url, settings)
        reads = engine.execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"})
        return cls(
            engine=engine,
            write_sessions=sessionmaker(engine, expire_on_commit=False, autobegin=False),
            read_sessions=sessionmaker(reads, expire_on_commit=False, autobegin=False),
        )

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> Database:
        return cls.connect(settings.database_url.get_secret_value(), settings)

    @property
    def backend(self) -> str:
        """``sqlite``, ``postgresql`` or ``mysql`` (MariaDB): what repositories branch on, if they must."""
        return self.engine.dialect.name

    def ping(self) -> None:
        """Round-trip to the database; raises when it cannot be reached (readiness uses this)."""
        reader = self.engine.execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"})
        with reader.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


_UNIQUE_VIOLATION_CODES = {"23505", 1062, 1586}
_TRANSIENT_CODES = {"40001", "40P01", 1205, 1213}


def _driver_codes(error: BaseException) -> set[object]:
    """The SQLSTATE (psycopg) or error number (pymysql) of a DBAPI error wrapped by SQLAlchemy."""
    original = getattr(error, "orig", None)
    codes: set[object] = set()
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate:
        codes.add(sqlstate)
    args = getattr(original, "args", ())
    if args and isinstance(args[0], int):
        codes.add(args[0])
    return codes


def is_unique_violation(error: BaseException) -> bool:
    """Did a primary key or unique constraint refuse the row? (Someone else got there first.)"""
    if _driver_codes(error) & _UNIQUE_VIOLATION_CODES:
        return True
    message = str(getattr(error, "orig", error))
    return "UNIQUE constraint failed" in message


def is_transient(error: BaseException) -> bool:
    """Deadlock, serialisation failure, lock wait timeout, busy SQLite: the transaction may be rerun."""
    if _driver_codes(error) & _TRANSIENT_CODES:
        return True
    message = str(getattr(error, "orig", error))
    return "database is locked" in message
