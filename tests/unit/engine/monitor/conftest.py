"""The read API's hand-filled engine database and client (tests/unit/engine/read_api/conftest.py), and
a real engine service with a read API over its database (for operations and job history)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from engine.read_api.app import create_app
from engine.service import EngineService
from tests.unit.engine.monitor.driver import Driver
from tests.unit.engine.read_api.conftest import client, db_path, history

__all__ = ["client", "db_path", "driver", "history", "operations", "service"]


@pytest.fixture
def service(tmp_path: Path) -> Iterator[EngineService]:
    service = EngineService(tmp_path / "engine", synchronous="OFF")
    yield service
    asyncio.run(service.close())


@pytest.fixture
def driver(service: EngineService) -> Driver:
    return Driver(service)


@pytest.fixture
def operations(service: EngineService) -> Iterator[TestClient]:
    """The read API of the running ``service``, its operations enabled."""
    with TestClient(create_app(service.store.path, service)) as client:
        yield client
