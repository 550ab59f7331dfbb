"""A running service forgets idempotency keys claimed longer ago than it is told to keep them."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from services.common.database import Database
from services.common.migrations import upgrade_to_head
from services.common.sqltypes import utc_now
from services.common.tables import idempotency_keys
from services.inventory.entrypoints.app import create_app
from services.inventory.settings import InventorySettings
from tests.unit.services.support import LiveServer
from tests.waiting import eventually


def keys_claimed(url: str, days_ago: dict[str, float]) -> None:
    """A migrated inventory database holding answered keys claimed ``days_ago`` each."""
    database = Database.connect(url)
    try:
        upgrade_to_head(database.engine, "services.inventory")
        with database.engine.begin() as connection:
            for key, days in days_ago.items():
                moment = utc_now() - timedelta(days=days)
                row = {
                    "key": key,
                    "request_fingerprint": "f" * 64,
                    "response_status": 201,
                    "created_at": moment,
                }
                connection.execute(insert(idempotency_keys).values(response_body={}, **row))
    finally:
        database.dispose()


def keys_left(url: str) -> set[str]:
    database = Database.connect(url)
    try:
        with database.engine.connect() as connection:
            return set(connection.execute(select(idempotency_keys.c.key)).scalars())
    finally:
        database.dispose()


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'inventory.db'}"
    keys_claimed(url, {"old": 31, "older": 400, "recent": 29})
    return url


def test_a_service_forgets_keys_older_than_it_keeps_them_as_soon_as_it_starts(url: str) -> None:
    settings = InventorySettings(database_url=url, keep_idempotency_keys_days=30)
    with LiveServer(create_app(settings)):
        forgotten = eventually(lambda: keys_left(url) == {"recent"}, seconds=10.0)
    assert forgotten, keys_left(url)


def test_a_service_told_to_keep_keys_for_ever_forgets_none(url: str) -> None:
    settings = InventorySettings(database_url=url, keep_idempotency_keys_days=0)
    with LiveServer(create_app(settings)):
        time.sleep(0.5)  # as long as a purge at start-up takes to forget the keys (the test above)
    assert keys_left(url) == {"old", "older", "recent"}
