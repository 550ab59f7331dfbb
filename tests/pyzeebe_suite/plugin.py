"""pytest plugin: run pyzeebe's integration suite, unchanged, against our engine instead of a container.

pyzeebe's ``tests/integration/conftest.py`` starts Zeebe with testcontainers::

    DockerContainer(f"camunda/zeebe:{ZEEBE_IMAGE_VERSION}").with_envs(...).with_exposed_ports(26500)
        .waiting_for(LogMessageWaitStrategy(...).with_startup_timeout(30))
    with zeebe: ...  # then zeebe.get_container_host_ip() and zeebe.get_exposed_port(26500)

This plugin is loaded (``-p``) before that conftest is imported and registers a stand-in for those two
testcontainers modules: entering the "container" starts ``python -m engine serve`` on free ports with a
fresh data directory and waits for its ``engine ready`` line; leaving it stops the engine. The suite's
files are not touched. The plugin also deselects the DMN decision tests (listed below with the reason)
and nothing else.

Loaded as ``pyzeebe_suite.plugin`` (with this repository's ``tests/`` on ``PYTHONPATH``), not as
``tests.pyzeebe_suite.plugin``: the suite is itself the package ``tests`` (``from tests.integration.utils
import ...``), and our ``tests`` package must not claim that name in the process. Run it through
``python -m tests.pyzeebe_suite``, which also fetches the suite.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any, Self

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ZEEBE_GATEWAY_PORT = 26500
"""The container port the suite asks for; the engine's gRPC port stands in for its mapping."""
STOP_GRACE_SECONDS = 20.0
READY = re.compile(r"engine ready: gRPC (?P<host>\S+):(?P<port>\d+)")

DMN_FILE = "tests/integration/evaluate_decision_test.py"
DMN_TESTS: dict[str, str] = {
    f"{DMN_FILE}::test_evaluate_decision_by_id": (
        "DMN: evaluates the decision table of test.dmn by decision id (EvaluateDecision); "
        "the engine runs BPMN processes, not DMN decisions"
    ),
    f"{DMN_FILE}::test_evaluate_decision_by_key": (
        "DMN: evaluates the decision table of test.dmn by decision key (EvaluateDecision)"
    ),
    f"{DMN_FILE}::test_non_existent_decision": (
        "DMN: expects EvaluateDecision to answer NOT_FOUND (DecisionNotFoundError) for an unknown decision"
    ),
}
"""The only tests deselected, by node id without parameters; everything else in the suite must pass."""


class EngineStartError(RuntimeError):
    """The engine did not print its ready line in time."""


class EngineProcess:
    """``python -m engine serve`` on free ports, with its own data directory and log."""

    def __init__(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="pyzeebe-suite-engine-"))
        self.log_path = self.workdir / "engine.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.host = "127.0.0.1"
        self.port: int | None = None
        self.exit_code: int | None = None
        self.died_early = False

    @property
    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "engine",
            "serve",
            "--host",
            self.host,
            "--port",
            "0",
            "--http-port",
            "0",
            "--data-dir",
            str(self.workdir / "data"),
        ]

    def _env(self) -> dict[str, str]:
        """The environment without the ``tests/`` entry the runner put on PYTHONPATH for this plugin."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("ENGINE_")}
        ours = str(REPO_ROOT / "tests")
        paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != ours]
        if paths:
            env["PYTHONPATH"] = os.pathsep.join(paths)
        else:
            env.pop("PYTHONPATH", None)
        return env

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no engine log)"
        return "\n".join(text.splitlines()[-lines:])

    def start(self, timeout: float) -> int:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=REPO_ROOT,
                env=self._env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C reaches pytest, which then stops the engine itself
            )
        atexit.register(self.stop)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = READY.search(self.log_path.read_text(errors="replace"))
            if match:
                self.port = int(match["port"])
                return self.port
            if self.process.poll() is not None:
                self.exit_code = self.process.returncode
                raise EngineStartError(
                    f"the engine exited with {self.exit_code} before it was ready: {' '.join(self.command)}\n"
                    f"{self.log_tail()}"
                )
            time.sleep(0.05)
        self.stop()
        raise EngineStartError(
            f"the engine printed no 'engine ready' line within {timeout:g}s: {' '.join(self.command)}\n"
            f"{self.log_tail()}"
        )

    def stop(self) -> None:
        process = self.process
        if process is None or self.exit_code is not None:
            return
        if process.poll() is not None:
            self.died_early = True
        else:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.exit_code = process.returncode

    def cleanup(self, keep: bool) -> None:
        if not keep:
            shutil.rmtree(self.workdir, ignore_errors=True)


_engines: list[EngineProcess] = []


# ---------------------------------------------------------------------------------- testcontainers stand-in
class LogMessageWaitStrategy:
    """Stands in for ``testcontainers.core.wait_strategies.LogMessageWaitStrategy``: only its timeout is used."""

    def __init__(self, message: str | re.Pattern[str], *args: Any, **kwargs: Any) -> None:
        self.message = message
        self.startup_timeout = 120.0

    def with_startup_timeout(self, timeout: float) -> Self:
        self.startup_timeout = float(timeout)
        return self


class DockerContainer:
    """Stands in for ``testcontainers.core.container.DockerContainer``: the "container" is our engine."""

    def __init__(self, image: str, **kwargs: Any) -> None:
        self.image = image
        self.envs: dict[str, str] = {}
        self.ports: list[int] = []
        self.wait_strategy: LogMessageWaitStrategy | None = None
        self.engine: EngineProcess | None = None

    def with_envs(self, **envs: str) -> Self:
        self.envs.update(envs)  # Camunda 8.8 security switches: the engine has no authentication anyway
        return self

    def with_exposed_ports(self, *ports: int | str) -> Self:
        self.ports.extend(int(p) for p in ports)
        return self

    def waiting_for(self, strategy: LogMessageWaitStrategy) -> Self:
        self.wait_strategy = strategy
        return self

    def start(self) -> Self:
        unsupported = [p for p in self.ports if p != ZEEBE_GATEWAY_PORT]
        if unsupported:
            pytest.exit(
                f"pyzeebe suite: the engine serves only the gateway port {ZEEBE_GATEWAY_PORT}, not {unsupported}",
                1,
            )
        self.engine = EngineProcess()
        _engines.append(self.engine)
        timeout = self.wait_strategy.startup_timeout if self.wait_strategy else 30.0
        try:
            self.engine.start(timeout)
        except EngineStartError as error:
            # Every test needs the engine: stop the session here rather than erroring each test.
            pytest.exit(f"pyzeebe suite: the engine standing in for {self.image} did not start: {error}", 1)
        return self

    def stop(self) -> None:
        if self.engine is not None:
            self.engine.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def get_container_host_ip(self) -> str:
        if self.engine is None:
            raise RuntimeError("the container was not started")
        return self.engine.host

    def get_exposed_port(self, port: int | str) -> int:
        if self.engine is None or self.engine.port is None:
            raise RuntimeError("the container was not started")
        if int(port) != ZEEBE_GATEWAY_PORT:
            raise ValueError(f"the engine serves only the gateway port {ZEEBE_GATEWAY_PORT}, not {port}")
        return self.engine.port


def _install_testcontainers_stand_in() -> None:
    """Register the stand-in under the module names the suite's conftest imports (real or not installed)."""
    modules: dict[str, dict[str, type]] = {
        "testcontainers": {},
        "testcontainers.core": {},
        "testcontainers.core.container": {"DockerContainer": DockerContainer},
        "testcontainers.core.wait_strategies": {"LogMessageWaitStrategy": LogMessageWaitStrategy},
    }
    for name, attributes in modules.items():
        module = types.ModuleType(name, f"pyzeebe suite stand-in for {name}: the engine instead of Docker")
        module.__path__ = []  # a package, so its submodules resolve from sys.modules
        for attribute, value in attributes.items():
            setattr(module, attribute, value)
        sys.modules[name] = module
    for parent, child in (
        ("testcontainers", "core"),
        ("testcontainers.core", "container"),
        ("testcontainers.core", "wait_strategies"),
    ):
        setattr(sys.modules[parent], child, sys.modules[f"{parent}.{child}"])


_install_testcontainers_stand_in()


# ---------------------------------------------------------------------------------- pytest hooks
def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = [
        "pyzeebe suite: Zeebe container replaced by `python -m engine serve` (free ports, temp data dir)"
    ]
    lines += [f"pyzeebe suite: deselected {node_id}: {reason}" for node_id, reason in DMN_TESTS.items()]
    return lines


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    dmn = [item for item in items if item.nodeid.split("[", 1)[0] in DMN_TESTS]
    dmn_file_collected = any(item.nodeid.startswith(f"{DMN_FILE}::") for item in items)
    missing = set(DMN_TESTS) - {item.nodeid.split("[", 1)[0] for item in dmn}
    if dmn_file_collected and missing:
        raise pytest.UsageError(
            f"pyzeebe suite: DMN tests to deselect not found (did the suite change?): {sorted(missing)}"
        )
    if dmn:
        config.hook.pytest_deselected(items=dmn)
        items[:] = [item for item in items if item not in dmn]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    for engine in _engines:
        engine.stop()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    for engine in _engines:
        keep = exitstatus != 0 or engine.died_early or engine.exit_code not in (0, None)
        if engine.port is None:
            state = f"never became ready (exit code {engine.exit_code})"
        elif engine.died_early:
            state = f"on port {engine.port} had exited with {engine.exit_code} before the suite stopped it"
        else:
            state = f"on port {engine.port} stopped, exit code {engine.exit_code}"
        terminalreporter.write_line(f"pyzeebe suite: engine {state}")
        if keep:
            terminalreporter.write_line(f"pyzeebe suite: engine log and data kept in {engine.workdir}")
        engine.cleanup(keep)
