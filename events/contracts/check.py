"""What ``python -m events.contracts check`` refuses: schema files out of step with the models,
versions that break the previous version's consumers, versions edited in place in a way that breaks
their own first consumers, and versions deleted.

Each finding is one readable line naming the file or event and what to do about it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path, PurePosixPath

from events.contracts.compatibility import breaking_changes
from events.contracts.history import first_committed
from events.contracts.registry import Registry
from events.contracts.schemas import generated, schema_of

GENERATE = "python -m events.contracts generate"


def drift(registry: Registry, directory: Path) -> list[str]:
    """Registered contracts whose committed schema file is missing or not what the model generates."""
    found = []
    for relative, text in generated(registry).items():
        path = directory / relative
        if not path.is_file():
            found.append(f"{relative}: missing; run `{GENERATE}` and commit it")
        elif path.read_text(encoding="utf-8") != text:
            found.append(f"{relative}: differs from its model; run `{GENERATE}` and commit it")
    return found


def incompatibilities(registry: Registry) -> list[str]:
    """Every breaking change of a version against the version before it."""
    found = []
    for event_type in registry.event_types():
        for previous, current in pairwise(registry.versions(event_type)):
            old = schema_of(registry, registry.contract(event_type, previous))
            new = schema_of(registry, registry.contract(event_type, current))
            found += [
                f"{event_type} v{current} breaks consumers of v{previous}: {change}"
                for change in breaking_changes(old, new)
            ]
    return found


def edited_in_place(
    registry: Registry, directory: Path, first_text: Callable[[Path], str | None] = first_committed
) -> list[str]:
    """Versions whose schema now breaks consumers of the same version as its file was first committed:
    a released version changed instead of a new version added (versions are immutable once shipped)."""
    found = []
    for relative, text in generated(registry).items():
        released = first_text(directory / relative)
        if released is None:
            continue  # not committed yet: a version being written
        found += [
            f"{relative}: breaks consumers of this version as first committed: {change};"
            " add a new version instead"
            for change in breaking_changes(json.loads(released), json.loads(text))
        ]
    return found


def deleted_versions(registry: Registry, directory: Path) -> list[str]:
    """Committed schema files no registered contract generates: a version (or a whole event type)
    was deleted or moved, and messages of it may still be on the topic or in consumers' code."""
    expected = set(generated(registry))
    return [
        f"{relative}: no registered contract generates it; versions must never be deleted, restore its model"
        for relative in sorted(
            PurePosixPath(p.relative_to(directory).as_posix()) for p in directory.rglob("*.json")
        )
        if relative not in expected
    ]


def problems(registry: Registry, directory: Path) -> list[str]:
    return (
        drift(registry, directory)
        + incompatibilities(registry)
        + edited_in_place(registry, directory)
        + deleted_versions(registry, directory)
    )
