"""Databases for the services' tests: a fresh SQLite file, PostgreSQL schema or MariaDB database.

PostgreSQL: each database is a schema of its own inside the run's database (``postgres_url``), put
first on the connection's ``search_path``; the run's database is dropped at the end of the session.
MariaDB: each is a database of its own, dropped at the end of the session.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import create_engine, make_url, text

from tests.settings import TestServers

DatabaseFactory = Callable[[str, str | None], str]
"""``factory(backend, server_url)`` -> the URL of a new, empty database."""


@pytest.fixture(scope="session")
def database_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    mariadb: list[tuple[str, str]] = []

    def make(backend: str, server_url: str | None) -> str:
        name = f"s_{uuid.uuid4().hex[:12]}"
        if backend == "sqlite":
            return f"sqlite:///{tmp_path_factory.mktemp('db') / 'service.db'}"
        assert server_url is not None
        admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                if backend == "postgresql":
                    connection.execute(text(f"CREATE SCHEMA {name}"))
                else:
                    connection.execute(text(f"CREATE DATABASE {name}"))
        finally:
            admin.dispose()
        url = make_url(server_url)
        if backend == "postgresql":
            url = url.update_query_dict({"options": f"-csearch_path={name}"})
        else:
            mariadb.append((server_url, name))
            url = url.set(database=name)
        return url.render_as_string(hide_password=False)

    yield make

    for server_url, name in mariadb:
        admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        admin.dispose()


def new_database(request: pytest.FixtureRequest, backend: str) -> str:
    """Call while setting up a fixture: the URL of a new, empty database of ``backend``."""
    factory: DatabaseFactory = request.getfixturevalue("database_factory")
    server_url: str | None = None
    if backend == "postgresql":
        server_url = request.getfixturevalue("postgres_url")
    elif backend == "mariadb":
        servers: TestServers = request.getfixturevalue("servers")
        server_url = servers.mariadb_url
    return factory(backend, server_url)
