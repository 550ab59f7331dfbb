"""deploy/compose/ as the tests see it: Debian's docker-compose (1.29) and yamllint, run for tests, and the
resolved compose configuration (`docker-compose config`) with its ports and volumes normalised."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.unit.deploy.artifacts import ROOT

COMPOSE_DIR = ROOT / "deploy" / "compose"
COMPOSE_FILE = COMPOSE_DIR / "docker-compose.yml"
ENV_EXAMPLE = COMPOSE_DIR / ".env.example"
YAMLLINT_CONFIG = COMPOSE_DIR / ".yamllint"
COMPOSE_PROMETHEUS_CONFIG = COMPOSE_DIR / "prometheus" / "prometheus.yml"
POSTGRES_INIT = COMPOSE_DIR / "postgres" / "init-databases.sh"
OTEL_COLLECTOR_CONFIG = COMPOSE_DIR / "otel-collector" / "config.yaml"
GRAFANA_DASHBOARD_PROVIDER = COMPOSE_DIR / "grafana" / "provisioning" / "dashboards" / "checkout-saga.yml"

HOW_TO_INSTALL = "install it with deploy/local/compose_tools.sh (`make lint` runs it)"
TIMEOUT_S = 60


def find_tool(name: str) -> Path:
    """Debian's ``/usr/bin/<name>``, else the first on PATH; fails the test when there is none (never
    skips)."""
    debian = Path("/usr/bin") / name
    if os.access(debian, os.X_OK):
        return debian
    on_path = shutil.which(name)
    if on_path is None:
        pytest.fail(f"{name} not found: {HOW_TO_INSTALL}", pytrace=False)
    return Path(on_path)


def clean_env() -> dict[str, str]:
    """The environment of a run: none of this shell's variables may fill in compose's secrets."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
    }


def run(*command: str | Path) -> subprocess.CompletedProcess[str]:
    """Run a command from the repository root with a clean environment; stdout and stderr apart."""
    return subprocess.run(
        [str(part) for part in command],
        cwd=ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )


def compose(docker_compose: Path, env_file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(docker_compose, "--env-file", env_file, "--file", COMPOSE_FILE, *args)


@dataclass(frozen=True)
class Published:
    host_ip: str
    published: str
    target: str


def published_ports(service: dict[str, Any]) -> list[Published]:
    """The service's published ports, from either form `config` writes (1.29's strings
    ``127.0.0.1:8000:8000/tcp``, Compose v2's mappings)."""
    found: list[Published] = []
    for port in service.get("ports", []):
        if isinstance(port, dict):
            found.append(
                Published(str(port.get("host_ip", "")), str(port.get("published", "")), str(port["target"]))
            )
            continue
        spec = str(port).split("/")[0]
        parts = spec.rsplit(":", 2)
        if len(parts) == 3:
            found.append(Published(parts[0], parts[1], parts[2]))
        elif len(parts) == 2:
            found.append(Published("", parts[0], parts[1]))
        else:
            found.append(Published("", "", parts[0]))
    return found


@dataclass(frozen=True)
class Mount:
    source: str
    target: str
    read_only: bool


def mounts(service: dict[str, Any]) -> list[Mount]:
    """The service's volumes, from either form `config` writes (``src:dst[:ro]`` or mappings)."""
    found: list[Mount] = []
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            found.append(
                Mount(str(volume.get("source", "")), str(volume["target"]), bool(volume.get("read_only")))
            )
            continue
        parts = str(volume).split(":")
        found.append(Mount(parts[0], parts[1], len(parts) > 2 and "ro" in parts[2].split(",")))
    return found


def healthcheck_test(service: dict[str, Any]) -> list[str]:
    """The health check's command (``[]`` when there is none or it is disabled)."""
    check = service.get("healthcheck") or {}
    test = check.get("test") or []
    if check.get("disable") or test in (["NONE"], "NONE"):
        return []
    return [str(part) for part in test] if isinstance(test, list) else ["CMD-SHELL", str(test)]


def parse_config(text: str) -> dict[str, Any]:
    document = yaml.safe_load(text)
    assert isinstance(document, dict)
    return document


def required_variables() -> set[str]:
    """The variables the compose file requires (``${VAR:?message}``), comments left out."""
    lines = [line for line in COMPOSE_FILE.read_text().splitlines() if not line.lstrip().startswith("#")]
    return set(re.findall(r"\$\{(\w+):\?", "\n".join(lines)))


def env_example() -> dict[str, str]:
    values: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values
