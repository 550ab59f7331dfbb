"""deploy/docker/: the Dockerfile read instruction by instruction, and the health-check script loaded as a
module, as the tests need them."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from tests.unit.deploy.artifacts import ROOT

DOCKER_DIR = ROOT / "deploy" / "docker"
DOCKERFILE = DOCKER_DIR / "Dockerfile"
HEALTHCHECK_SCRIPT = DOCKER_DIR / "healthcheck.py"
CONSTRAINTS = DOCKER_DIR / "constraints.txt"
DOCKERIGNORE = ROOT / ".dockerignore"


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str

    def exec_form(self) -> list[str]:
        """The JSON array of an exec-form ENTRYPOINT/CMD (after options such as HEALTHCHECK's)."""
        start = self.arguments.index("[")
        value = json.loads(self.arguments[start:])
        assert isinstance(value, list)
        return [str(part) for part in value]


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [instruction for instruction in self.instructions if instruction.keyword == keyword]

    def env(self) -> dict[str, str]:
        """Every ``ENV key=value`` of the stage (the ``key=value`` form, as the Dockerfile writes it)."""
        found: dict[str, str] = {}
        for instruction in self.all("ENV"):
            for key, value in re.findall(r"(\w+)=(\S+)", instruction.arguments):
                found[key] = value
        return found


def instructions(text: str) -> list[Instruction]:
    """The instructions of a Dockerfile: comments dropped, backslash continuations joined."""
    found: list[Instruction] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        whole = (pending + line).strip()
        pending = ""
        keyword, _, arguments = whole.partition(" ")
        found.append(Instruction(keyword.upper(), " ".join(arguments.split())))
    return found


def stages(text: str) -> tuple[dict[str, str], list[Stage]]:
    """``(ARG defaults declared before the first FROM, stages in order)``; FROM's ``${ARG}`` resolved."""
    global_args: dict[str, str] = {}
    found: list[Stage] = []
    for instruction in instructions(text):
        if instruction.keyword == "FROM":
            parts = instruction.arguments.split()
            base = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: global_args[m.group(1) or m.group(2)], parts[0])
            name = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else None
            found.append(Stage(base, name))
        elif not found:
            if instruction.keyword == "ARG":
                key, _, value = instruction.arguments.partition("=")
                global_args[key] = value
        else:
            found[-1].instructions.append(instruction)
    return global_args, found


def dockerfile_stages() -> list[Stage]:
    return stages(DOCKERFILE.read_text())[1]


def load_healthcheck() -> ModuleType:
    """deploy/docker/healthcheck.py as a module (it is a script, not part of a package)."""
    name = "checkout_saga_image_healthcheck"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, HEALTHCHECK_SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is created
    spec.loader.exec_module(module)
    return module


def constraint_pins() -> dict[str, str]:
    """``{name: version}`` of deploy/docker/constraints.txt."""
    pins: dict[str, str] = {}
    for line in CONSTRAINTS.read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name] = version
    return pins


def dockerignore_patterns() -> list[str]:
    return [
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]


def source_path(path: str | Path) -> Path:
    return ROOT / path
