"""The gateway's database: the kit's engine (SQLite WAL and ``BEGIN IMMEDIATE``, PostgreSQL, MariaDB)
with bound parameters hidden from error messages, and its migrations applied at start-up.

Hiding parameters matters here: the row of a new checkout holds its payment token until the instance
is started, and SQLAlchemy would otherwise quote the parameters of a failed INSERT in the exception
that reaches the log.
"""

from __future__ import annotations

from sqlalchemy.orm import sessionmaker

from services.common.database import SQLITE_BEGIN_OPTION, Database, create_db_engine
from services.common.migrations import upgrade_to_head
from services.common.settings import ServiceSettings

PACKAGE = "gateway"
"""Its migrations are ``gateway/migrations`` (Alembic, run from code)."""


def connect(settings: ServiceSettings) -> Database:
    engine = create_db_engine(settings.database_url.get_secret_value(), settings)
    engine.hide_parameters = True
    reads = engine.execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"})
    return Database(
        engine=engine,
        write_sessions=sessionmaker(engine, expire_on_commit=False, autobegin=False),
        read_sessions=sessionmaker(reads, expire_on_commit=False, autobegin=False),
    )


def open_database(settings: ServiceSettings) -> Database:
    """Connect and, unless ``MIGRATE_ON_STARTUP`` is off, bring the schema to the latest migration."""
    database = connect(settings)
    if settings.migrate_on_startup:
        upgrade_to_head(database.engine, PACKAGE)
    return database
