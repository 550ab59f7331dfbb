"""The layout's import rules, checked on the source: a folder's name says what it may depend on.

Services never import workers, the gateway or the engine; workers reach services over HTTP only; the
engine knows nothing of commerce; the CLI composes the others as processes; events (relay, consumers,
contracts) may read services' outboxes with the kit but never drive the saga.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FORBIDDEN = {
    "services": {"workers", "engine", "gateway", "events", "checkout_saga", "zeebe_connection"},
    # Workers publish the saga's lifecycle events with events' transport and contracts.
    "workers": {"services", "engine", "gateway", "checkout_saga"},
    # The gateway hosts the checkout projection's consumer (events' consumer loop and contracts).
    "gateway": {"engine", "workers", "checkout_saga"},
    "engine": {"services", "workers", "gateway", "events", "checkout_saga", "zeebe_connection"},
    "zeebe_connection": {"services", "workers", "gateway", "events", "engine", "checkout_saga"},
    "checkout_saga": {"services", "workers", "gateway", "events", "engine"},
    # The relay reads services' outboxes with the kit and their settings; it never drives the saga.
    "events": {"workers", "gateway", "engine", "checkout_saga", "zeebe_connection"},
    # Tracing set-up and trace context carriers, for every process: nothing of ours below it.
    "telemetry": {"services", "workers", "gateway", "events", "engine", "checkout_saga", "zeebe_connection"},
}


def imported_top_level_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_package_imports_none_of_the_packages_its_layer_may_not_know(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_top_level_packages(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }

    assert {path: names for path, names in offenders.items() if names} == {}
