"""The runbook (deploy/RUNBOOK.md) shows real commands and real files: an operator copies them as they are.

Every ``checkout-saga incidents ...`` command it shows must parse with the real command line, and every
repository path it names must exist, so a renamed flag or a moved file fails here, not during an outage.
(The dead-letter replay commands are checked the same way in tests/unit/events/.)
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from checkout_saga.cli import parse_args

ROOT = Path(__file__).resolve().parents[3]
RUNBOOK = ROOT / "deploy" / "RUNBOOK.md"
TOP_LEVEL = ("bpmn/", "checkout_saga/", "deploy/", "engine/", "events/", "gateway/", "services/", "workers/",
             "zeebe_connection/")  # fmt: skip


def incident_commands() -> list[str]:
    """The arguments of each incidents command in the runbook (code blocks and inline), comments cut."""
    found = re.findall(
        r"(?:checkout-saga|python -m checkout_saga\.cli) (incidents[^`\n#]*)", RUNBOOK.read_text()
    )
    return [command.strip() for command in found]


INCIDENT_COMMANDS = incident_commands()


def test_the_runbook_shows_incident_commands() -> None:
    assert len(INCIDENT_COMMANDS) >= 5
    assert any(" resolve" in command for command in INCIDENT_COMMANDS)


@pytest.mark.parametrize("command", INCIDENT_COMMANDS)
def test_each_incident_command_of_the_runbook_parses(command: str) -> None:
    args = parse_args(shlex.split(command))

    assert args.command == "incidents"
    assert args.action in {"list", "resolve"}


def test_every_repository_path_the_runbook_names_exists() -> None:
    named = {
        token.rstrip(".,")
        for token in re.findall(r"`([^`\s]+)`", RUNBOOK.read_text())
        if token.startswith(TOP_LEVEL) and "<" not in token and "*" not in token
    }

    assert named, "the runbook names no repository path"
    assert sorted(path for path in named if not (ROOT / path).exists()) == []
