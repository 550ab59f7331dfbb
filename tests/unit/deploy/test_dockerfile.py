"""The one image of every component (deploy/docker/): how the Dockerfile builds it, which commands it runs,
and how its health check finds the port of the component inside. No container engine is needed: the
Dockerfile is read as text and the health-check script is exercised as a module."""

from __future__ import annotations

import importlib
import importlib.util
import re
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from pydantic_settings import BaseSettings

from engine.settings import EngineSettings
from gateway.settings import GatewaySettings
from services.common.settings import ServiceSettings
from tests.unit.deploy.artifacts import ROOT
from tests.unit.deploy.docker_image import (
    HEALTHCHECK_SCRIPT,
    Stage,
    constraint_pins,
    dockerfile_stages,
    dockerignore_patterns,
    load_healthcheck,
)
from workers.settings import WorkerSettings

healthcheck = load_healthcheck()

COMPONENT_COMMANDS = [
    "gateway",
    "workers",
    "services.cart",
    "services.pricing",
    "services.payment",
    "services.inventory",
    "services.order",
    "services.loyalty",
    "services.payment_provider",
    "events.relay",
    "events.consumers",
    "engine",
    "checkout_saga.cli",
]
"""What ``docker run IMAGE <command>`` runs (``python -m <command>``), as the Dockerfile's header says."""

COMPILERS = ("build-essential", "gcc", "g++", "clang", "make ", "cmake", "-dev ", "python3-dev")


def final_stage() -> Stage:
    return dockerfile_stages()[-1]


def builder_stages() -> list[Stage]:
    return dockerfile_stages()[:-1]


def service_settings_class(name: str) -> type[ServiceSettings]:
    """The settings class of ``services.<name>`` (the one ServiceSettings subclass its module defines)."""
    module = importlib.import_module(f"services.{name}.settings")
    classes = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, ServiceSettings)
        and value is not ServiceSettings
        and value.__module__ == module.__name__
    ]
    assert len(classes) == 1, classes
    return classes[0]


def env_prefix(settings: type[BaseSettings]) -> str:
    prefix = settings.model_config.get("env_prefix")
    assert isinstance(prefix, str)
    return prefix


def default_of(settings: type[BaseSettings], name: str) -> Any:
    return settings.model_fields[name].default


# ---- the Dockerfile -------------------------------------------------------------------------------------


def test_the_image_is_built_in_a_builder_stage_and_copied_into_a_separate_final_stage() -> None:
    stages = dockerfile_stages()
    builder_names = {stage.name for stage in builder_stages()}

    assert len(stages) >= 2
    copied_from = {
        match.group(1)
        for copy in final_stage().all("COPY")
        if (match := re.search(r"--from=(\S+)", copy.arguments)) is not None
    }
    assert copied_from, "the final stage copies nothing from a builder stage"
    assert copied_from <= builder_names


def test_every_stage_starts_from_python_3_11_slim_bookworm_pinned_by_patch_tag_and_digest() -> None:
    for stage in dockerfile_stages():
        assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm@sha256:[0-9a-f]{64}", stage.base), stage.base


def test_the_final_stage_runs_as_a_fixed_non_root_uid_that_it_creates() -> None:
    users = final_stage().all("USER")

    assert users, "no USER in the final stage: the container would run as root"
    uid = users[-1].arguments.split(":")[0]
    assert uid.isdigit(), users[-1]
    assert int(uid) != 0, users[-1]
    created = " ".join(run.arguments for run in final_stage().all("RUN"))
    assert re.search(rf"useradd\b.*--uid {uid}\b", created), "the USER's uid is not created with that uid"


def test_the_final_stage_installs_no_compiler_or_build_tool() -> None:
    commands = " ".join(run.arguments for run in final_stage().all("RUN")) + " "

    for tool in COMPILERS:
        assert tool not in commands, f"{tool.strip()} in the final stage"
    assert "apt-get install" not in commands
    assert "pip install" not in commands
    assert "pip wheel" not in commands


def test_pip_keeps_no_download_cache_where_it_runs() -> None:
    for stage in builder_stages():
        if any("pip " in run.arguments for run in stage.all("RUN")):
            assert stage.env().get("PIP_NO_CACHE_DIR") == "1", stage.name


def test_the_build_installs_the_dependencies_at_their_pinned_versions() -> None:
    pip_runs = [
        run.arguments for stage in builder_stages() for run in stage.all("RUN") if "pip " in run.arguments
    ]

    assert pip_runs
    assert all("--constraint constraints.txt" in run for run in pip_runs), pip_runs


def test_every_runtime_requirement_of_the_project_is_pinned_for_the_image() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = constraint_pins()

    for line in project["dependencies"]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in deploy/docker/constraints.txt (run pin_runtime_deps.py)"
        assert requirement.specifier.contains(pins[name], prereleases=True), (name, pins[name])


def test_the_builder_copies_every_package_of_the_project() -> None:
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    copied = {
        copy.arguments.split()[0].rstrip("/")
        for stage in builder_stages()
        for copy in stage.all("COPY")
        if "--from=" not in copy.arguments
    }

    for pattern in packages["include"]:
        assert pattern.rstrip("*") in copied, pattern


def test_the_image_has_a_healthcheck_that_runs_the_healthcheck_script_it_copies() -> None:
    checks = final_stage().all("HEALTHCHECK")

    assert len(checks) == 1
    command = checks[0].exec_form()
    script_in_image = command[-1]
    assert command[0] == "python"
    copies = [copy.arguments.split() for copy in final_stage().all("COPY")]
    assert [HEALTHCHECK_SCRIPT.relative_to(ROOT).as_posix(), script_in_image] in copies


def test_the_entrypoint_runs_the_command_as_a_python_module() -> None:
    entrypoints = final_stage().all("ENTRYPOINT")

    assert len(entrypoints) == 1
    assert entrypoints[0].exec_form() == ["python", "-m"]


def test_the_default_command_is_a_component() -> None:
    assert final_stage().all("CMD")[-1].exec_form()[0] in COMPONENT_COMMANDS


@pytest.mark.parametrize("command", COMPONENT_COMMANDS)
def test_each_component_command_is_a_module_python_dash_m_can_run(command: str) -> None:
    spec = importlib.util.find_spec(command)

    assert spec is not None, f"no module {command}"
    if spec.submodule_search_locations is not None:  # a package runs its __main__
        assert importlib.util.find_spec(f"{command}.__main__") is not None, f"{command} has no __main__"
    else:
        assert spec.origin is not None
        assert 'if __name__ == "__main__":' in Path(spec.origin).read_text(), f"{command} runs nothing"


def test_the_image_binds_every_server_to_all_interfaces() -> None:
    host_variables = [
        f"{env_prefix(GatewaySettings)}HOST",
        f"{env_prefix(WorkerSettings)}STATUS_HOST",
        f"{env_prefix(EngineSettings)}HOST",
        *(f"{env_prefix(service_settings_class(name))}HOST" for name in healthcheck.SERVICES),
    ]
    env = final_stage().env()

    for variable in host_variables:
        assert env.get(variable) == "0.0.0.0", variable


def test_the_diagrams_are_in_the_image_where_checkout_saga_deploy_looks() -> None:
    copies = [copy.arguments.split() for copy in final_stage().all("COPY")]
    workdir = final_stage().all("WORKDIR")[-1].arguments

    assert ["bpmn/", "bpmn/"] in copies
    assert final_stage().env()["STACK_BPMN_DIR"] == f"{workdir}/bpmn"


def test_the_build_context_leaves_out_environments_local_state_and_everything_not_built() -> None:
    patterns = dockerignore_patterns()

    for excluded in (".git", ".venv", "node_modules", "var", "tests", "docs", ".cache"):
        assert excluded in patterns, excluded
    assert "deploy" in patterns
    assert "!deploy/docker" in patterns


def test_the_build_context_keeps_what_the_builder_copies() -> None:
    patterns = set(dockerignore_patterns())
    copied = [
        source.rstrip("/")
        for stage in dockerfile_stages()
        for copy in stage.all("COPY")
        if "--from=" not in copy.arguments
        for source in copy.arguments.split()[:-1]
    ]

    for source in copied:
        top = source.split("/")[0]
        assert top not in patterns or f"!{source.rsplit('/', 1)[0]}" in patterns, source


# ---- the health check: which endpoint it asks ----------------------------------------------------------


def probe(
    module: str, args: list[str] | None = None, env: dict[str, str] | None = None, ready: bool = False
) -> Any:
    return healthcheck.probe_for(module, args or [], env or {}, ready)


def test_the_gateway_is_probed_on_its_default_port_when_none_is_set() -> None:
    assert probe("gateway").url == "http://127.0.0.1:8000/health/live"


def test_the_gateway_is_probed_on_gateway_port() -> None:
    assert probe("gateway", env={"GATEWAY_PORT": "9000"}).port == 9000


def test_the_healthchecks_default_gateway_port_is_the_settings_default() -> None:
    assert default_of(GatewaySettings, "port") == healthcheck.GATEWAY_PORT


@pytest.mark.parametrize(
    "name", ["cart", "pricing", "payment", "inventory", "order", "loyalty", "payment_provider"]
)
def test_each_services_prefix_and_default_port_are_those_of_its_settings(name: str) -> None:
    settings = service_settings_class(name)

    assert healthcheck.SERVICES[name] == (env_prefix(settings), default_of(settings, "port"))


def test_a_service_is_probed_on_the_port_its_prefixed_variable_names() -> None:
    assert probe("services.payment_provider", env={"PROVIDER_PORT": "9110"}).port == 9110
    assert probe("services.cart", env={"CART_PORT": "9101", "PROVIDER_PORT": "1"}).port == 9101


def test_a_service_is_probed_on_its_default_port_when_none_is_set() -> None:
    assert probe("services.inventory").url == "http://127.0.0.1:8104/health/live"


def test_readiness_is_asked_of_the_gateway_and_the_services_when_requested() -> None:
    assert probe("gateway", ready=True).path == "/health/ready"
    assert probe("services.order", ready=True).path == "/health/ready"


def test_readiness_is_asked_of_the_relay_and_the_consumers_on_their_status_port() -> None:
    assert probe("events.relay", ["--all", "--status-port", "8091"], ready=True).url == (
        "http://127.0.0.1:8091/health/ready"
    )
    assert probe("events.consumers", ["loyalty-points", "--status-port=8092"], ready=True).path == (
        "/health/ready"
    )


def test_the_workers_are_probed_on_their_status_port_for_readiness_when_asked() -> None:
    found = probe("workers", env={"WORKERS_STATUS_PORT": "9090"}, ready=True)

    assert (found.port, found.path) == (9090, "/health/ready")
    assert default_of(WorkerSettings, "status_port") == healthcheck.WORKERS_STATUS_PORT


def test_a_wildcard_bind_host_is_probed_on_loopback() -> None:
    assert probe("gateway", env={"GATEWAY_HOST": "0.0.0.0"}).host == "127.0.0.1"
    assert probe("gateway", env={"GATEWAY_HOST": "::"}).url == "http://[::1]:8000/health/live"


def test_a_specific_bind_host_is_probed_where_it_is() -> None:
    assert (
        probe("services.loyalty", env={"LOYALTY_HOST": "10.1.2.3"}).url == "http://10.1.2.3:8106/health/live"
    )


def test_the_relay_is_probed_on_its_status_port_argument() -> None:
    found = probe("events.relay", ["--all", "--host", "0.0.0.0", "--status-port", "8091"])

    assert found.url == "http://127.0.0.1:8091/health/live"


def test_the_consumers_status_port_may_be_given_with_an_equals_sign() -> None:
    assert probe("events.consumers", ["loyalty-points", "--status-port=8092"]).port == 8092


def test_each_consumer_group_is_probed_on_its_own_status_port_argument() -> None:
    found = probe(
        "events.consumers", ["cart-checkouts", "--host", "0.0.0.0", "--status-port", "8093"], ready=True
    )

    assert found.url == "http://127.0.0.1:8093/health/ready"


def test_a_relay_without_a_status_port_has_nothing_to_probe() -> None:
    with pytest.raises(healthcheck.NothingToProbe, match="--status-port"):
        probe("events.relay", ["--service", "cart"])


def test_a_one_shot_command_has_nothing_to_probe() -> None:
    with pytest.raises(healthcheck.NothingToProbe):
        probe("checkout_saga.cli", ["deploy"])


def test_the_engine_is_probed_on_its_read_api_port() -> None:
    assert probe("engine", ["serve", "--http-port", "9081"]).url == "http://127.0.0.1:9081/v1/health"
    assert probe("engine", ["serve"], {"ENGINE_HTTP_PORT": "9082"}).port == 9082
    assert default_of(EngineSettings, "http_port") == healthcheck.ENGINE_HTTP_PORT


@pytest.mark.parametrize("value", ["0", "http", "70000"])
def test_a_port_that_names_no_fixed_port_is_a_misconfiguration(value: str) -> None:
    with pytest.raises(healthcheck.Misconfigured, match="GATEWAY_PORT"):
        probe("gateway", env={"GATEWAY_PORT": value})


# ---- the health check: which process it looks at -------------------------------------------------------


def test_a_python_dash_m_command_line_names_its_component_and_arguments() -> None:
    cmdline = ["/opt/venv/bin/python", "-m", "events.relay", "--all", "--status-port", "8091"]

    assert healthcheck.component_of(cmdline) == ("events.relay", ["--all", "--status-port", "8091"])


def test_a_command_line_that_is_not_python_dash_m_names_no_component() -> None:
    assert healthcheck.component_of(["/usr/bin/tini", "--", "python"]) is None
    assert healthcheck.component_of(["python", "/usr/local/lib/checkout-saga/healthcheck.py"]) is None


def write_process(proc: Path, pid: int, *argv: str) -> None:
    (proc / str(pid)).mkdir()
    (proc / str(pid) / "cmdline").write_bytes(b"\0".join(arg.encode() for arg in argv) + b"\0")


def test_the_component_is_found_among_the_containers_processes(tmp_path: Path) -> None:
    write_process(tmp_path, 1, "/sbin/docker-init", "--", "python", "-m", "workers")
    write_process(tmp_path, 7, "python", "-m", "workers")
    write_process(tmp_path, 9, "python", "-m", "ignored-because-later")
    (tmp_path / "self").mkdir()

    assert healthcheck.find_component(tmp_path, own_pid=99) == ("workers", [])


def test_the_health_check_does_not_mistake_itself_for_the_component(tmp_path: Path) -> None:
    write_process(tmp_path, 5, "python", "-m", "gateway")

    assert healthcheck.find_component(tmp_path, own_pid=5) is None


# ---- the health check: its answer ------------------------------------------------------------------------


@pytest.fixture
def health_server() -> Iterator[dict[str, int]]:
    """A loopback HTTP server answering each path with the status code set in the returned dict."""
    statuses: dict[str, int] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(statuses.get(self.path, 404))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    statuses["port"] = server.server_address[1]
    try:
        yield statuses
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_the_check_passes_when_the_endpoint_answers_200(
    health_server: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    health_server["/health/live"] = 200
    monkeypatch.setenv("HEALTHCHECK_URL", f"http://127.0.0.1:{health_server['port']}/health/live")

    assert healthcheck.main([]) == 0


def test_the_check_fails_when_the_endpoint_answers_503(
    health_server: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    health_server["/health/ready"] = 503
    monkeypatch.setenv("HEALTHCHECK_URL", f"http://127.0.0.1:{health_server['port']}/health/ready")

    assert healthcheck.main([]) == 1


def test_the_check_fails_when_nothing_listens(monkeypatch: pytest.MonkeyPatch) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_address[1]
    server.server_close()  # the port is free again: nothing answers on it
    monkeypatch.setenv("HEALTHCHECK_URL", f"http://127.0.0.1:{port}/health/live")

    assert healthcheck.main([]) == 1
