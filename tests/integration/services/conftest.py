"""The services' tests get fresh databases from :func:`tests.databases.new_database`."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from services.common.database import Database
from tests.databases import new_database

__all__ = ["engine", "new_database"]


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A new, empty database of each backend in turn, for the tests of schema migrations."""
    database = Database.connect(new_database(request, str(request.param)))
    yield database.engine
    database.dispose()
