"""promtool, as deploy/local/prometheus.sh installs it (Debian's `prometheus` package), run for tests."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.unit.deploy.artifacts import ROOT

DEBIAN_PROMTOOL = Path("/usr/bin/promtool")
HOW_TO_INSTALL = "install it with deploy/local/prometheus.sh (`make test` runs it in its lint phase)"
TIMEOUT_S = 60


def find_promtool() -> Path:
    """``$PROMTOOL`` when set, else the Debian package's, else the first on PATH; fails the test when
    there is none (never skips)."""
    override = os.environ.get("PROMTOOL")
    if override:
        if not os.access(override, os.X_OK):
            pytest.fail(f"PROMTOOL={override} is not an executable file", pytrace=False)
        return Path(override)
    if os.access(DEBIAN_PROMTOOL, os.X_OK):
        return DEBIAN_PROMTOOL
    on_path = shutil.which("promtool")
    if on_path is None:
        pytest.fail(f"promtool not found: {HOW_TO_INSTALL}", pytrace=False)
    return Path(on_path)


def run_promtool(promtool: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run ``promtool args...`` from the repository root, output (stdout and stderr) in ``stdout``."""
    return subprocess.run(
        [str(promtool), *map(str, args)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
