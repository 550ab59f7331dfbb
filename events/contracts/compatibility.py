"""Whether version N of an event's JSON Schema breaks the consumers of version N-1.

Both directions matter on a topic: consumers still on N-1 read messages of N, and consumers moved to
N read the messages of N-1 still retained. Hence what is breaking, and why:

* a required field removed: consumers of N-1 read it;
* a required field made optional: consumers of N-1 read it, and it may now be missing;
* a field newly required (optional or absent in N-1): a consumer on N refuses N-1 messages without it;
* a field's type changed, nullability included in either direction (a string's ``format`` counts):
  one side meets values of a type it does not handle;
* an enum narrowed (values removed, or a free value restricted to a list): a consumer on N refuses
  N-1 messages with the removed values.

Compatible: adding optional fields, removing optional ones, widening an enum (consumers must
tolerate values they do not know yet) and anything descriptive (titles, descriptions, examples).
Not compared: value constraints (``minimum``, ``pattern``, lengths) and ``additionalProperties``.

Schemas are read as pydantic writes them: local ``$ref`` into ``$defs``, ``anyOf`` for unions and
``Optional``, ``type`` lists, ``enum``/``const``, objects and arrays compared recursively. Recursive
schemas (a model containing itself) are not supported.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

Schema = Mapping[str, Any]

_JSON_TYPES: tuple[tuple[type, str], ...] = (
    (bool, "boolean"),  # before int: True is an int
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (type(None), "null"),
    (list, "array"),
    (dict, "object"),
)


class ChangeKind(StrEnum):
    REQUIRED_FIELD_REMOVED = "required field removed"
    REQUIRED_FIELD_MADE_OPTIONAL = "required field made optional"
    FIELD_NEWLY_REQUIRED = "field newly required"
    TYPE_CHANGED = "type changed"
    ENUM_NARROWED = "enum narrowed"


@dataclass(frozen=True)
class BreakingChange:
    path: str
    """Dotted field path, ``[]`` for an array's items; empty for the payload itself."""
    kind: ChangeKind
    detail: str

    def __str__(self) -> str:
        return f"{self.path or '(payload)'}: {self.kind}: {self.detail}"


def breaking_changes(old: Schema, new: Schema) -> list[BreakingChange]:
    """What in ``new`` breaks consumers of ``old`` (both whole schema documents); empty when none."""
    return _Comparison(old, new).changes


class _Document:
    """One schema document: references resolve against its own root."""

    def __init__(self, root: Schema) -> None:
        self._root = root

    def resolve(self, schema: Schema) -> Schema:
        """``schema`` with references and one-element ``allOf`` replaced by what they point at
        (sibling keywords kept, as JSON Schema 2020-12 reads them)."""
        while True:
            if "$ref" in schema:
                target = self._pointer(schema["$ref"])
                schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
            elif len(schema.get("allOf", ())) == 1:
                schema = {**{k: v for k, v in schema.items() if k != "allOf"}, **schema["allOf"][0]}
            else:
                return schema

    def branches(self, schema: Schema) -> list[Schema]:
        """The alternatives a value may take: ``anyOf``/``oneOf`` and ``type`` lists flattened."""
        schema = self.resolve(schema)
        for keyword in ("anyOf", "oneOf"):
            if keyword in schema:
                return [branch for option in schema[keyword] for branch in self.branches(option)]
        if isinstance(schema.get("type"), list):
            return [{**schema, "type": kind} for kind in schema["type"]]
        return [schema]

    def _pointer(self, ref: str) -> Schema:
        if not ref.startswith("#/"):
            raise ValueError(f"only references inside the schema are supported, not {ref!r}")
        node: Any = self._root
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        if not isinstance(node, Mapping):
            raise ValueError(f"{ref!r} does not point at a schema")
        return node


def _values(schema: Schema) -> list[Any] | None:
    """The values an ``enum`` or ``const`` allows; ``None`` when the schema lists none."""
    if "const" in schema:
        return [schema["const"]]
    if "enum" in schema:
        return list(schema["enum"])
    return None


def _json_type(value: Any) -> str:
    return next(name for python_type, name in _JSON_TYPES if isinstance(value, python_type))


def _kind(schema: Schema) -> str:
    """What sort of value a single-type branch holds: its JSON type (a string with its format)."""
    kind = schema.get("type")
    if kind is None:
        values = _values(schema)
        if values is not None:
            kind = "/".join(sorted({_json_type(value) for value in values}))
        elif "properties" in schema:
            kind = "object"
        else:
            kind = "any"
    if kind == "string" and "format" in schema:
        return f"string ({schema['format']})"
    return str(kind)


def _by_kind(document: _Document, schema: Schema) -> dict[str, list[Schema]]:
    grouped: dict[str, list[Schema]] = {}
    for branch in document.branches(schema):
        grouped.setdefault(_kind(branch), []).append(branch)
    return grouped


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


class _Comparison:
    def __init__(self, old: Schema, new: Schema) -> None:
        self._old, self._new = _Document(old), _Document(new)
        self.changes: list[BreakingChange] = []
        self._compare(old, new, "")

    def _report(self, path: str, kind: ChangeKind, detail: str) -> None:
        self.changes.append(BreakingChange(path, kind, detail))

    def _compare(self, old: Schema, new: Schema, path: str) -> None:
        olds, news = _by_kind(self._old, old), _by_kind(self._new, new)
        if olds.keys() != news.keys():
            self._report(
                path, ChangeKind.TYPE_CHANGED, f"{' or '.join(sorted(olds))} -> {' or '.join(sorted(news))}"
            )
            return
        for kind, old_branches in olds.items():
            if len(old_branches) != len(news[kind]):
                self._report(path, ChangeKind.TYPE_CHANGED, f"the number of {kind} alternatives changed")
                continue
            for old_branch, new_branch in zip(old_branches, news[kind], strict=True):
                self._compare_branch(old_branch, new_branch, path)

    def _compare_branch(self, old: Schema, new: Schema, path: str) -> None:
        """Two resolved branches of the same kind."""
        self._compare_values(old, new, path)
        if "properties" in old or "properties" in new:
            self._compare_properties(old, new, path)
        if "items" in old or "items" in new:
            self._compare(old.get("items", {}), new.get("items", {}), f"{path}[]")

    def _compare_values(self, old: Schema, new: Schema, path: str) -> None:
        old_values, new_values = _values(old), _values(new)
        if new_values is None:
            return
        allowed = {json.dumps(value, sort_keys=True) for value in new_values}
        if old_values is None:
            self._report(path, ChangeKind.ENUM_NARROWED, f"any value -> only {', '.join(sorted(allowed))}")
            return
        removed = {json.dumps(value, sort_keys=True) for value in old_values} - allowed
        if removed:
            self._report(path, ChangeKind.ENUM_NARROWED, f"{', '.join(sorted(removed))} no longer allowed")

    def _compare_properties(self, old: Schema, new: Schema, path: str) -> None:
        old_properties: Schema = old.get("properties", {})
        new_properties: Schema = new.get("properties", {})
        old_required, new_required = set(old.get("required", ())), set(new.get("required", ()))
        for name, old_property in old_properties.items():
            where = _join(path, name)
            if name not in new_properties:
                if name in old_required:
                    self._report(
                        where, ChangeKind.REQUIRED_FIELD_REMOVED, "consumers of the old version read it"
                    )
                continue
            if name in old_required and name not in new_required:
                self._report(where, ChangeKind.REQUIRED_FIELD_MADE_OPTIONAL, "it may now be missing")
            self._compare(old_property, new_properties[name], where)
        for name in sorted(new_required - old_required):
            before = "optional" if name in old_properties else "absent"
            self._report(_join(path, name), ChangeKind.FIELD_NEWLY_REQUIRED, f"it was {before} before")
