"""A fresh database per test fixture: an SQLite file, a PostgreSQL schema or a MariaDB database.

PostgreSQL: each database is a schema of its own inside the run's database (``postgres_url``), put
first on the connection's ``search_path``; the run's database is dropped at the end of the session.
MariaDB: each is a database of its own, dropped at the end of the session (``database_factory`` in
tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.settings import TestServers


def new_database(request: pytest.FixtureRequest, backend: str) -> str:
    """Call while setting up a fixture: the URL of a new, empty database of ``backend``."""
    factory: Callable[[str, str | None], str] = request.getfixturevalue("database_factory")
    server_url: str | None = None
    if backend == "postgresql":
        server_url = request.getfixturevalue("postgres_url")
    elif backend == "mariadb":
        servers: TestServers = request.getfixturevalue("servers")
        server_url = servers.mariadb_url
    return factory(backend, server_url)
