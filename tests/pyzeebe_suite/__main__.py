"""``python -m tests.pyzeebe_suite [--refresh] [PYTEST_ARGS...]``: pyzeebe's integration suite on our engine.

Fetches pyzeebe's sdist (cached in ``.cache/pyzeebe-sdist/``), then runs pytest in a child process from the
unpacked sdist's root, which is where the suite expects to run (its conftest deploys
``tests/integration/test.bpmn`` relative to the cwd and imports ``tests.integration.utils``), with
``plugin.py`` loaded as ``-p pyzeebe_suite.plugin``. The exit code is pytest's (5, "no tests collected",
included); a failure to fetch the suite exits 1 before pytest runs.

PYTEST_ARGS go to pytest as they are; node ids are relative to the sdist root, e.g.
``tests/integration/run_process_test.py::test_run_process``. Without a ``tests/`` path the whole
``tests/integration`` is run. ``--refresh`` deletes the cached sdist and fetches it again.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from tests.pyzeebe_suite.sdist import REPO_ROOT, SUITE, SdistError, prepare

PLUGINS = ("-p", "pyzeebe_suite.plugin", "-p", "no:asyncio")
"""Ours, and not pytest-asyncio: the suite runs on anyio's plugin, and pyzeebe's locked test env has no pytest-asyncio."""
PER_TEST_TIMEOUT_SECONDS = 120
"""pytest-timeout's limit per test, so a wait the suite loops on forever fails instead of hanging CI."""


def main(argv: list[str]) -> int:
    refresh = "--refresh" in argv
    pytest_args = [arg for arg in argv if arg != "--refresh"]
    started = time.monotonic()
    try:
        root = prepare(refresh=refresh)
    except SdistError as error:
        print(f"pyzeebe suite: FAILED: {error}", file=sys.stderr, flush=True)
        return 1
    if not any(arg.startswith("tests/") for arg in pytest_args):
        pytest_args.append(str(SUITE))
    if not any(arg.startswith("--timeout") for arg in pytest_args):
        pytest_args.insert(0, f"--timeout={PER_TEST_TIMEOUT_SECONDS}")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT / "tests"), env.get("PYTHONPATH", "")) if p)
    command = [sys.executable, "-m", "pytest", *PLUGINS, *pytest_args]
    print(f"pyzeebe suite: in {root}: {' '.join(command)}", flush=True)
    code = subprocess.run(command, cwd=root, env=env, check=False).returncode
    print(f"pyzeebe suite: pytest exited {code} after {time.monotonic() - started:.1f}s", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
