"""The gateway's migrations build exactly the schema its models describe, and can be undone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from gateway.adapters.database import PACKAGE, connect
from gateway.adapters.orm import metadata
from services.common.database import Database
from services.common.migrations import current_revisions, downgrade_to, head_revisions, upgrade_to_head
from tests.integration.gateway.conftest import gateway_settings


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    opened = connect(gateway_settings(database_url, "http://127.0.0.1:9"))
    yield opened
    opened.dispose()


def test_the_migrated_schema_is_the_models_schema(database: Database) -> None:
    upgrade_to_head(database.engine, PACKAGE)

    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)

    assert differences == []
    assert current_revisions(database.engine) == head_revisions(PACKAGE)


def test_the_migrations_can_be_undone(database: Database) -> None:
    upgrade_to_head(database.engine, PACKAGE)

    downgrade_to(database.engine, PACKAGE, "base")

    assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
