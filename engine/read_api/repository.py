"""Runs the queries of :mod:`engine.read_api.queries` on a :class:`ReadDatabase`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.read_api.database import ReadDatabase
from engine.read_api.models import Query
from engine.read_api.queries import Entity, build_get, build_search, to_item


@dataclass(frozen=True, slots=True)
class Page:
    items: list[dict[str, Any]]
    total: int
    sort_values: list[Any]


def search(database: ReadDatabase, entity: Entity, query: Query, *, names: bool = False) -> Page:
    """One page of ``entity`` and the total matching the filter; ``names``: resolve flow-node names."""
    plan = build_search(
        entity,
        filter_=query.filter,
        size=query.size,
        sort=[(s.field, s.order) for s in query.sort] if query.sort is not None else None,
        search_after=query.search_after,
    )
    with database.snapshot() as db:
        if names:
            database.names.refresh(db)
        rows = db.execute(plan.sql, plan.params).fetchall()
        ((total,),) = db.execute(plan.count_sql, plan.count_params).fetchall()
    items = [to_item(entity, row) for row in rows]
    return Page(items, int(total), plan.sort_values(rows[-1]) if rows else [])


def get(database: ReadDatabase, entity: Entity, key: Any, *, names: bool = False) -> dict[str, Any] | None:
    """The object with this key, ``None`` if there is none."""
    sql, params = build_get(entity, key)
    with database.snapshot() as db:
        if names:
            database.names.refresh(db)
        rows = db.execute(sql, params).fetchall()
    return to_item(entity, rows[0]) if rows else None


def definition_xml(database: ReadDatabase, key: int) -> bytes | None:
    """The BPMN XML a process definition was deployed from."""
    with database.snapshot() as db:
        rows = db.execute("SELECT resource FROM process_definitions WHERE key = ?", (key,)).fetchall()
    if not rows:
        return None
    resource = rows[0][0]
    return resource.encode() if isinstance(resource, str) else bytes(resource)
