"""Fixtures and hooks shared by every test folder."""

import uuid
from pathlib import Path

import pytest

INTEGRATION_DIR = Path(__file__).parent / "integration"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark everything under tests/integration as ``integration`` (so ``-m "not integration"`` works)."""
    for item in items:
        if INTEGRATION_DIR in item.path.parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def run_id() -> str:
    """A short id unique to this pytest run, used to name the resources it creates."""
    return uuid.uuid4().hex[:8]
