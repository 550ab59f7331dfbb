"""SQLite the way the kit opens it: WAL, foreign keys, writers serialised, readers beside them."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from services.common.database import Database, is_unique_violation, normalise_url


def test_driverless_urls_get_the_installed_drivers() -> None:
    assert normalise_url("postgresql://u@h/d").drivername == "postgresql+psycopg"
    assert normalise_url("mysql://u@h/d").drivername == "mysql+pymysql"
    assert normalise_url("mariadb://u@h/d").drivername == "mariadb+pymysql"
    assert normalise_url("postgresql+psycopg://u@h/d").drivername == "postgresql+psycopg"


def test_sqlite_is_wal_with_foreign_keys_and_creates_its_folder(tmp_path: Path) -> None:
    database = Database.connect(f"sqlite:///{tmp_path / 'nested' / 'x.db'}")
    with database.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert (tmp_path / "nested" / "x.db").exists()
    database.ping()
    assert database.backend == "sqlite"
    database.dispose()


def test_sqlite_writers_queue_while_readers_go_on(tmp_path: Path) -> None:
    database = Database.connect(f"sqlite:///{tmp_path / 'x.db'}")
    with database.engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (n INTEGER)"))
        connection.execute(text("INSERT INTO counter VALUES (0)"))
    order: list[str] = []
    first_inside = threading.Event()

    def writer(name: str, hold: float) -> None:
        with database.write_sessions() as session, session.begin():
            session.execute(text("SELECT n FROM counter"))  # BEGIN IMMEDIATE: the write lock is held now
            order.append(f"{name} in")
            first_inside.set()
            time.sleep(hold)
            session.execute(text("UPDATE counter SET n = n + 1"))
            order.append(f"{name} out")

    slow = threading.Thread(target=writer, args=("first", 0.3))
    slow.start()
    first_inside.wait()
    with database.read_sessions() as session, session.begin():  # a reader does not wait for the writer
        assert session.execute(text("SELECT n FROM counter")).scalar() == 0
    order.append("reader")
    writer("second", 0)
    slow.join()
    assert order == ["first in", "reader", "first out", "second in", "second out"]
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM counter")).scalar() == 2
    database.dispose()


def counter_database(tmp_path: Path) -> Database:
    database = Database.connect(f"sqlite:///{tmp_path / 'x.db'}")
    with database.engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (n INTEGER)"))
        connection.execute(text("INSERT INTO counter VALUES (0)"))
    return database


def writes_from_another_thread(database: Database) -> bool:
    """Whether a write transaction in another thread gets in. Writers take turns in the process, and a
    turn never given back would hold it for the 30 s busy timeout: far beyond the 10 s allowed here."""
    done = threading.Event()

    def write() -> None:
        with database.write_sessions.begin() as session:
            session.execute(text("UPDATE counter SET n = n + 1"))
        done.set()

    threading.Thread(target=write, daemon=True).start()
    return done.wait(10)


def test_a_rolled_back_write_transaction_gives_the_next_writer_its_turn(tmp_path: Path) -> None:
    database = counter_database(tmp_path)
    with database.write_sessions() as session:
        session.begin()
        session.execute(text("UPDATE counter SET n = n + 1"))
        session.rollback()

    assert writes_from_another_thread(database)
    database.dispose()


def test_a_write_transaction_whose_connection_was_invalidated_gives_the_next_writer_its_turn(
    tmp_path: Path,
) -> None:
    database = counter_database(tmp_path)
    connection = database.engine.connect()
    connection.begin()
    connection.execute(text("UPDATE counter SET n = n + 1"))
    connection.invalidate()  # the driver connection is gone: the transaction ends with no commit or rollback

    assert writes_from_another_thread(database)
    database.dispose()


def test_readers_do_not_take_a_writer_turn(tmp_path: Path) -> None:
    database = counter_database(tmp_path)
    with database.read_sessions.begin() as session:
        session.execute(text("SELECT n FROM counter"))
        assert writes_from_another_thread(database)
    database.dispose()


def test_unique_violations_are_recognised(tmp_path: Path) -> None:
    database = Database.connect(f"sqlite:///{tmp_path / 'x.db'}")
    with database.engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (k TEXT PRIMARY KEY)"))
        connection.execute(text("INSERT INTO t VALUES ('a')"))
    with pytest.raises(IntegrityError) as refused, database.engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES ('a')"))
    assert is_unique_violation(refused.value)
    database.dispose()
