"""Write deploy/docker/constraints.txt: checkout-saga's runtime dependencies, pinned as installed here.

Run it with the project's environment after `pyproject.toml`'s dependencies changed and the tests
passed: ``.venv/bin/python deploy/docker/pin_runtime_deps.py``. It walks the installed
``checkout-saga`` distribution's requirements (not its ``dev`` extra), with the extras they name, and
pins every distribution it reaches to the installed version.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PROJECT = "checkout-saga"
OUTPUT = Path(__file__).resolve().parent / "constraints.txt"
HEADER = """\
# The runtime dependency closure of checkout-saga at the versions its test suite ran with (the
# project's .venv), one pin a line: deploy/docker/Dockerfile installs with `pip -c` this file, so two
# builds of one commit get the same packages. Regenerate after changing pyproject.toml's dependencies:
#   .venv/bin/python deploy/docker/pin_runtime_deps.py
"""


def _wanted(requirement: Requirement, extras: frozenset[str]) -> bool:
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({"extra": extra}) for extra in {"", *extras})


def runtime_closure(project: str = PROJECT) -> dict[str, str]:
    """``{canonical name: installed version}`` of everything ``project`` needs at run time."""
    pins: dict[str, str] = {}
    pending: list[tuple[str, frozenset[str]]] = [(project, frozenset())]
    visited: set[tuple[str, frozenset[str]]] = set()
    while pending:
        name, extras = pending.pop()
        key = (canonicalize_name(name), extras)
        if key in visited:
            continue
        visited.add(key)
        try:
            found = distribution(name)
        except PackageNotFoundError:
            raise SystemExit(f"{name} is required but not installed: install the project first") from None
        pins[canonicalize_name(found.metadata["Name"])] = found.version
        for line in found.requires or []:
            requirement = Requirement(line)
            if _wanted(requirement, extras):
                pending.append((requirement.name, frozenset(requirement.extras)))
    pins.pop(canonicalize_name(project), None)
    return pins


def main() -> None:
    pins = runtime_closure()
    OUTPUT.write_text(HEADER + "".join(f"{name}=={version}\n" for name, version in sorted(pins.items())))
    print(f"wrote {len(pins)} pins to {OUTPUT}")


if __name__ == "__main__":
    main()
