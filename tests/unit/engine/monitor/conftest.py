"""The read API's hand-filled engine database and client (tests/unit/engine/read_api/conftest.py)."""

from tests.unit.engine.read_api.conftest import client, db_path, history

__all__ = ["client", "db_path", "history"]
