"""The payment provider sandbox over real HTTP, on its default backend (a SQLite file)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.payment_provider.entrypoints.app import create_app
from services.payment_provider.settings import ProviderSettings
from tests.unit.services.support import LiveServer

TIMEOUT_TOKEN_DELAY = 1.5
"""tok_timeout's delay in these tests: longer than the 0.3 s the tests' callers wait."""

ProviderFactory = Callable[..., AbstractContextManager[httpx.Client]]


@pytest.fixture
def start_provider(tmp_path: Path) -> ProviderFactory:
    """``with start_provider(latency_ms=100) as http:`` a provider with those settings."""

    @contextmanager
    def start(**overrides: Any) -> Iterator[httpx.Client]:
        database = tmp_path / f"provider-{len(list(tmp_path.iterdir()))}.db"
        settings = ProviderSettings(
            database_url=f"sqlite:///{database}",
            timeout_token_delay_seconds=TIMEOUT_TOKEN_DELAY,
            **overrides,
        )
        with (
            LiveServer(create_app(settings)) as server,
            httpx.Client(base_url=server.url, timeout=10) as http,
        ):
            yield http

    return start


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """One default provider shared by a module's tests (each uses its own idempotency keys)."""
    database = tmp_path_factory.mktemp("provider") / "provider.db"
    settings = ProviderSettings(
        database_url=f"sqlite:///{database}", timeout_token_delay_seconds=TIMEOUT_TOKEN_DELAY
    )
    with LiveServer(create_app(settings)) as server, httpx.Client(base_url=server.url, timeout=10) as http:
        yield http
