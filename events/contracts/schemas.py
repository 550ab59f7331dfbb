"""The JSON Schema files of the registered contracts: where each goes, and its exact text.

The text is canonical (sorted keys, two-space indent, a final newline), so regenerating unchanged
models rewrites identical bytes and a committed file differs only when a model did.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any

from events.contracts.base import EventPayload
from events.contracts.registry import Registry

DIRECTORY = Path(__file__).resolve().parent.parent / "schemas"
"""``events/schemas``: where the committed schema files live."""


def schema_of(registry: Registry, contract: type[EventPayload]) -> dict[str, Any]:
    """The contract's JSON Schema, marked with its event type, version and topic so that a consumer
    holding only the file knows which messages it describes."""
    return {
        **contract.model_json_schema(),
        "x-event-type": contract.event_type,
        "x-schema-version": contract.schema_version,
        "x-topic": registry.topic_of(contract.event_type),
    }


def file_of(registry: Registry, contract: type[EventPayload]) -> PurePosixPath:
    """``<topic>/<EventType>.v<N>.json``, relative to the schema directory."""
    topic = registry.topic_of(contract.event_type)
    return PurePosixPath(topic, f"{contract.event_type}.v{contract.schema_version}.json")


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def generated(registry: Registry) -> dict[PurePosixPath, str]:
    """Every registered contract's schema file: relative path → text."""
    return {file_of(registry, c): render(schema_of(registry, c)) for c in registry.contracts()}


def write(registry: Registry, directory: Path) -> list[PurePosixPath]:
    """Write every schema file under ``directory``; returns those whose text changed.

    Files of contracts no longer registered are left alone: deleting a version is for the check to
    refuse, not for the generator to do quietly.
    """
    changed = []
    for relative, text in generated(registry).items():
        path = directory / relative
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(relative)
    return changed
