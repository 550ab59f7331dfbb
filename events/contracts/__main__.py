"""``python -m events.contracts generate | check``: write the event schemas, or verify them (CI)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from events.contracts.check import problems
from events.contracts.registry import REGISTRY, Registry
from events.contracts.schemas import DIRECTORY, write


def main(argv: Sequence[str] | None = None, registry: Registry = REGISTRY) -> int:
    parser = argparse.ArgumentParser(prog="python -m events.contracts", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("generate", "write every registered contract's JSON Schema"),
        ("check", "exit 1 on drift, a breaking version, a version edited in place or a deleted version"),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument(
            "--schemas", type=Path, default=DIRECTORY, help=f"schema directory (default {DIRECTORY})"
        )
    args = parser.parse_args(argv)
    count = len(registry.contracts())
    if args.command == "generate":
        changed = write(registry, args.schemas)
        print(f"{count} event schemas in {args.schemas}, {len(changed)} written")
        return 0
    found = problems(registry, args.schemas)
    if found:
        print(f"event contracts: {len(found)} problem(s) in {args.schemas}", file=sys.stderr)
        for problem in found:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print(
        f"event contracts OK: {count} schemas of {len(registry.event_types())} event types up to date,"
        " each version compatible with the one before and with its first commit, none deleted"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
