"""Alembic, driven from code: every service applies its own ``migrations/`` folder when it starts.

No ``alembic.ini``: :func:`alembic_config` builds the ``Config`` in code with ``script_location``
pointing at ``<service package>:migrations``. A service's ``migrations/env.py`` is two lines that call
:func:`run_env`. Several replicas may start at once, so the upgrade holds a database-wide lock
(PostgreSQL advisory lock, MariaDB ``GET_LOCK``; SQLite serialises writers anyway).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from alembic import command, context
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, inspect, text

from services.common.database import SQLITE_BEGIN_OPTION
from services.common.tables import kit_metadata

_LOCK_WAIT_SECONDS = 60
VERSION_TABLE = "alembic_version"


def alembic_config(package: str, connection: Connection | None = None) -> Config:
    """The Alembic config of ``package`` (``services.inventory``): its ``migrations`` folder."""
    config = Config()
    config.set_main_option("script_location", f"{package}:migrations")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def lock_name(package: str) -> str:
    """The name of ``package``'s migration lock on MariaDB (``GET_LOCK``)."""
    return f"migrate:{package}"


def advisory_lock_key(package: str) -> int:
    """The key of ``package``'s migration lock on PostgreSQL (an advisory lock): its name's CRC-32."""
    return zlib.crc32(lock_name(package).encode())


@contextmanager
def _migrating(engine: Engine, package: str) -> Iterator[Connection]:
    """A connection in a transaction, under ``package``'s migration lock until that transaction ended.

    The lock must outlive the commit: a replica that took it while the last migration's
    ``alembic_version`` update was still uncommitted would run that migration again. PostgreSQL's
    advisory transaction lock ends with the transaction by itself. MariaDB's ``GET_LOCK`` belongs to
    the session, so it is taken before the transaction and released after it (MariaDB commits at
    every DDL statement anyway).
    """
    with engine.connect() as connection:
        backend = connection.dialect.name
        if backend in ("mysql", "mariadb"):
            got = connection.execute(
                text("SELECT GET_LOCK(:name, :wait)"),
                {"name": lock_name(package), "wait": _LOCK_WAIT_SECONDS},
            ).scalar()
            connection.commit()
            if got != 1:
                raise TimeoutError(f"could not take the migration lock of {package}")
            try:
                with connection.begin():
                    yield connection
            finally:
                connection.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": lock_name(package)})
                connection.commit()
        else:
            with connection.begin():
                if backend == "postgresql":
                    key = advisory_lock_key(package)
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
                yield connection


def upgrade_to_head(engine: Engine, package: str) -> None:
    """Apply every migration of ``package`` not yet applied, under the migration lock."""
    upgrade_to(engine, package, "head")


def upgrade_to(engine: Engine, package: str, revision: str) -> None:
    """Apply the migrations of ``package`` up to ``revision``, under the migration lock."""
    with _migrating(engine, package) as connection:
        command.upgrade(alembic_config(package, connection), revision)


def downgrade_to(engine: Engine, package: str, revision: str) -> None:
    """Undo the migrations of ``package`` after ``revision`` (``base``: all of them), under the
    migration lock: what going back to a previous release needs first, since that release refuses a
    schema newer than its own (tests prove the downgrades work)."""
    with _migrating(engine, package) as connection:
        command.downgrade(alembic_config(package, connection), revision)


def current_revisions(engine: Engine) -> set[str]:
    """The revisions the database says it is at (empty before the first migration).

    Read straight from ``alembic_version``: readiness probes call this often, and Alembic's migration
    context would log two INFO lines each time.
    """
    reader = engine.execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"})
    with reader.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE):
            return set()
        return {str(row[0]) for row in connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))}


def head_revisions(package: str) -> set[str]:
    """The revisions the code expects."""
    return set(ScriptDirectory.from_config(alembic_config(package)).get_heads())


def run_env(target_metadata: MetaData | Sequence[MetaData]) -> None:
    """The body of every service's ``migrations/env.py``: migrate online on the given connection.

    ``target_metadata`` is the service's own metadata; the kit tables are added here so that
    autogenerate compares them too.
    """
    metadatas = [target_metadata] if isinstance(target_metadata, MetaData) else list(target_metadata)
    if kit_metadata not in metadatas:
        metadatas.append(kit_metadata)
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "migrations run from code only: call services.common.migrations.upgrade_to_head(engine, package)"
        )
    context.configure(connection=connection, target_metadata=metadatas, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
