"""A migrated service database (the inventory's schema: kit tables included) on every backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.common.database import Database
from services.common.migrations import upgrade_to_head
from tests.integration.services.conftest import new_database


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def database(request: pytest.FixtureRequest) -> Iterator[Database]:
    database = Database.connect(new_database(request, str(request.param)))
    upgrade_to_head(database.engine, "services.inventory")
    yield database
    database.dispose()
