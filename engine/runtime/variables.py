"""Variable scoping as Zeebe does it.

Every element instance that is a scope (and every activity with local variables) has a variable
document keyed by its element instance key; the process instance's key holds the root document.
Lookups go from the closest scope outwards; propagation writes each variable into the nearest scope
that already has it, else into the root.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from engine.runtime.state import ProcessInstance

VariableListener = Callable[[int, str, Any], None]
"""Told of every variable write: ``(scope_key, name, value)``; the journal records it."""


class Variables:
    """The variable documents of one process instance."""

    __slots__ = ("_instance", "_on_write")

    def __init__(self, instance: ProcessInstance, on_write: VariableListener) -> None:
        self._instance = instance
        self._on_write = on_write

    def _chain(self, scope_key: int) -> list[int]:
        """Scope keys from ``scope_key`` up to the root, closest first."""
        elements = self._instance.elements
        chain: list[int] = []
        key: int | None = scope_key
        while key is not None:
            chain.append(key)
            element = elements.get(key)
            key = element.flow_scope_key if element is not None else None
        return chain

    def visible(self, scope_key: int) -> dict[str, Any]:
        """All variables visible from a scope, the closest scope winning."""
        documents = self._instance.variables
        merged: dict[str, Any] = {}
        for key in reversed(self._chain(scope_key)):
            document = documents.get(key)
            if document:
                merged.update(document)
        return merged

    def fetch(self, scope_key: int, names: Iterable[str]) -> dict[str, Any]:
        """Exactly the named variables visible from a scope (missing names are left out)."""
        wanted = set(names)
        documents = self._instance.variables
        found: dict[str, Any] = {}
        for key in self._chain(scope_key):
            document = documents.get(key)
            if not document:
                continue
            for name in wanted.intersection(document):
                found.setdefault(name, document[name])
        return found

    def local(self, scope_key: int) -> dict[str, Any]:
        return dict(self._instance.variables.get(scope_key, {}))

    def set_local(self, scope_key: int, name: str, value: Any) -> None:
        self._instance.variables.setdefault(scope_key, {})[name] = value
        self._on_write(scope_key, name, value)

    def set_all_local(self, scope_key: int, document: Mapping[str, Any]) -> None:
        for name, value in document.items():
            self.set_local(scope_key, name, value)

    def propagate(self, scope_key: int, document: Mapping[str, Any]) -> None:
        """Merge a document upwards from ``scope_key``: each name lands where it already exists, else at the root."""
        chain = self._chain(scope_key)
        documents = self._instance.variables
        for name, value in document.items():
            target = chain[-1]
            for key in chain:
                existing = documents.get(key)
                if existing is not None and name in existing:
                    target = key
                    break
            self.set_local(target, name, value)

    def drop_scope(self, scope_key: int) -> None:
        """Forget a finished scope's local variables; the read model keeps its history."""
        self._instance.variables.pop(scope_key, None)


def assign_path(document: dict[str, Any], target: str, value: Any) -> None:
    """Write ``value`` at a dotted ``target`` (``order.customer.id``) inside ``document``, creating contexts."""
    head, *rest = target.split(".")
    if not rest:
        document[head] = value
        return
    current = document.get(head)
    nested: dict[str, Any] = dict(current) if isinstance(current, dict) else {}
    document[head] = nested
    for part in rest[:-1]:
        child = nested.get(part)
        child = dict(child) if isinstance(child, dict) else {}
        nested[part] = child
        nested = child
    nested[rest[-1]] = value
