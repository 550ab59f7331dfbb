"""Read-only access to the engine's SQLite database from the API's worker threads.

Each worker thread gets its own read-only connection (``mode=ro``), opened on first use, so queries run
in parallel while the engine writes (WAL lets readers read the last committed state). Each search runs in
one read transaction, so a page and its ``total`` come from the same snapshot.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree

from engine.read_api.entities import FLOW_NODE_NAME_FUNCTION

log = logging.getLogger(__name__)


def flow_node_names(resource: bytes | str) -> dict[str, str]:
    """Element id -> name of every named element of a BPMN resource (empty if it cannot be parsed)."""
    try:
        root = ElementTree.fromstring(resource)
    except ElementTree.ParseError:
        log.warning("a process definition's BPMN could not be parsed; its flow nodes stay unnamed")
        return {}
    names: dict[str, str] = {}
    for element in root.iter():
        element_id, name = element.get("id"), element.get("name")
        if element_id and name:
            names[element_id] = name
    return names


class FlowNodeNames:
    """Flow-node names per process definition key, parsed once from its BPMN (definitions never change)."""

    def __init__(self) -> None:
        self._names: dict[int, dict[str, str]] = {}
        self._lock = threading.Lock()

    def refresh(self, db: sqlite3.Connection) -> None:
        """Parse the definitions deployed since the last call."""
        keys = db.execute("SELECT key FROM process_definitions").fetchall()
        missing = [key for (key,) in keys if key not in self._names]
        for key in missing:
            for (resource,) in db.execute(
                "SELECT resource FROM process_definitions WHERE key = ?", (key,)
            ).fetchall():
                names = flow_node_names(resource)
                with self._lock:
                    self._names[key] = names

    def lookup(self, definition_key: int | None, flow_node_id: str | None) -> str | None:
        """The name of a flow node, ``None`` if it has none; used as an SQL function, so it never raises."""
        if definition_key is None or flow_node_id is None:
            return None
        return self._names.get(definition_key, {}).get(flow_node_id)


class ReadDatabase:
    """One read-only connection per thread to the database at ``path``."""

    def __init__(self, path: Path, names: FlowNodeNames) -> None:
        self.path = path
        self.names = names
        self._uri = f"file:{quote(str(path.absolute()))}?mode=ro"
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            # autocommit mode (isolation_level=None): transactions are the explicit ones of ``snapshot``
            db = sqlite3.connect(
                self._uri, uri=True, check_same_thread=False, timeout=5.0, isolation_level=None
            )
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA query_only = ON")
            db.create_function(FLOW_NODE_NAME_FUNCTION, 2, self.names.lookup, deterministic=True)
            self._local.db = db
            with self._lock:
                self._connections.append(db)
        return db

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection inside one read transaction."""
        db = self._connection()
        db.execute("BEGIN")
        try:
            yield db
        finally:
            db.execute("COMMIT")

    def close(self) -> None:
        """Close every connection opened so far (call when no request runs any more)."""
        with self._lock:
            connections, self._connections = self._connections, []
        for db in connections:
            db.close()
        self._local = threading.local()
