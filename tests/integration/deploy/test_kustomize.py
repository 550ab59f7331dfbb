"""deploy/k8s/ rendered by kustomize (as deploy/local/kustomize.sh provides it) and checked.

The base and both overlays are rendered in a copy of deploy/k8s/ whose secret env files are made
from the committed ``*.env.example`` files: the real ones are git-ignored and never read here. Every
Deployment must have probes on a port its container declares, requests and limits, a PDB and the
restricted security context; secrets must stay out of ConfigMaps; and each pod's environment, fed
to the component's own settings classes, must make it listen where its probes look and reach the
databases, Kafka and Zeebe instead of its embedded defaults.
"""

from __future__ import annotations

import base64
import importlib
import importlib.util
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from pydantic_settings import BaseSettings

from events.consumers.__main__ import GROUPS
from events.consumers.cart_checkouts import CartCheckoutsSettings
from events.consumers.loyalty_points import LoyaltyPointsSettings
from events.relay.outboxes import RELAYED_SERVICES, service_settings
from events.settings import EventsSettings
from gateway.settings import GatewaySettings
from workers.settings import TASK_GROUPS, WorkerSettings
from zeebe_connection import ZeebeSettings

ROOT = Path(__file__).resolve().parents[3]
K8S = ROOT / "deploy" / "k8s"
STANDALONE = ROOT / ".cache" / "kustomize" / "bin" / "kustomize"
HOW_TO_INSTALL = "run deploy/local/kustomize.sh (`make lint` runs it)"
TIMEOUT_S = 120
OVERLAYS = ("staging", "production")
TARGETS = ("base", *OVERLAYS)
IMAGE = "checkout-saga"
SERVICES = ("cart", "pricing", "payment", "inventory", "order", "loyalty")
CONSUMERS: dict[str, tuple[type[BaseSettings], str]] = {
    "loyalty-points": (LoyaltyPointsSettings, "loyalty"),
    "cart-checkouts": (CartCheckoutsSettings, "cart"),
}
"""Each consumer group: the settings it reads and the service it calls (its ``<service>_url``)."""
SQLITE_DEFAULT = re.compile(r"^sqlite:///var/")
SECRET_NAME = re.compile(r"KEY|SECRET|PASSWORD|TOKEN$|CREDENTIAL|DATABASE_URL|REDIS_URL", re.IGNORECASE)
URL_WITH_CREDENTIALS = re.compile(r"://[^/@\s]+@")
OUR_VARIABLES = re.compile(
    r"^(GATEWAY|CART|PRICING|PAYMENT|INVENTORY|ORDER|LOYALTY|WORKERS|RELAY|CONSUMER|ZEEBE|CAMUNDA|"
    r"KAFKA|EVENTS|OTEL)_|^DATABASE_URL$"
)

Doc = dict[str, Any]


def kustomize_command() -> list[str]:
    """``$KUSTOMIZE`` (a standalone kustomize) when set, else ``kubectl kustomize`` when its built-in
    kustomize is v5 or later, else what deploy/local/kustomize.sh built; fails (never skips) without."""
    override = os.environ.get("KUSTOMIZE")
    if override:
        if not os.access(override, os.X_OK):
            pytest.fail(f"KUSTOMIZE={override} is not an executable file", pytrace=False)
        return [override, "build"]
    kubectl = shutil.which("kubectl")
    if kubectl is not None:
        version = subprocess.run(
            [kubectl, "version", "--client"], capture_output=True, text=True, timeout=TIMEOUT_S, check=False
        ).stdout
        found = re.search(r"^Kustomize Version: v(\d+)\.", version, re.MULTILINE)
        if found and int(found.group(1)) >= 5:
            return [kubectl, "kustomize"]
    if os.access(STANDALONE, os.X_OK):
        return [str(STANDALONE), "build"]
    pytest.fail(f"no kustomize v5 (kubectl kustomize or {STANDALONE}): {HOW_TO_INSTALL}", pytrace=False)


def copy_tree(destination: Path, *, with_secrets: bool) -> Path:
    """deploy/k8s/ without any real secret file; with ``with_secrets`` each ``secrets/X.env`` is
    made from ``secrets/X.env.example``."""

    def real_secrets(folder: str, names: list[str]) -> set[str]:
        return {name for name in names if Path(folder).name == "secrets" and name.endswith(".env")}

    tree = destination / "k8s"
    shutil.copytree(K8S, tree, ignore=real_secrets)
    if with_secrets:
        for example in tree.glob("overlays/*/secrets/*.env.example"):
            shutil.copyfile(example, example.with_suffix(""))
    return tree


def render(command: list[str], directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*command, str(directory)], capture_output=True, text=True, timeout=TIMEOUT_S, check=False
    )


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Doc]]:
    command = kustomize_command()
    tree = copy_tree(tmp_path_factory.mktemp("kustomize"), with_secrets=True)
    renderings: dict[str, list[Doc]] = {}
    for target in TARGETS:
        directory = tree / "base" if target == "base" else tree / "overlays" / target
        result = render(command, directory)
        assert result.returncode == 0, f"{' '.join(command)} {target} failed:\n{result.stderr}"
        renderings[target] = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    return renderings


def of_kind(docs: list[Doc], kind: str) -> list[Doc]:
    return [doc for doc in docs if doc["kind"] == kind]


def by_name(docs: list[Doc], kind: str) -> dict[str, Doc]:
    return {doc["metadata"]["name"]: doc for doc in of_kind(docs, kind)}


def containers(deployment: Doc) -> list[Doc]:
    containers: list[Doc] = deployment["spec"]["template"]["spec"]["containers"]
    return containers


def every_container(docs: list[Doc]) -> Iterator[tuple[str, Doc]]:
    for deployment in of_kind(docs, "Deployment"):
        for container in containers(deployment):
            yield f"{deployment['metadata']['name']}/{container['name']}", container


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def floor_replicas(docs: list[Doc], deployment: Doc) -> int:
    """The replicas a Deployment keeps at least: its HPA's minReplicas, else spec.replicas."""
    for hpa in of_kind(docs, "HorizontalPodAutoscaler"):
        if hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]:
            return int(hpa["spec"]["minReplicas"])
    return int(deployment["spec"].get("replicas", 1))


def pod_environment(docs: list[Doc], container: Doc) -> dict[str, str]:
    """The variables the container gets from its ConfigMaps, Secrets and env, as the kubelet sets them."""
    config_maps, secrets = by_name(docs, "ConfigMap"), by_name(docs, "Secret")

    def secret_data(name: str) -> dict[str, str]:
        data = secrets[name].get("data") or {}
        return {key: base64.b64decode(value).decode() for key, value in data.items()}

    environment: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            environment.update(config_maps[source["configMapRef"]["name"]].get("data") or {})
        else:
            environment.update(secret_data(source["secretRef"]["name"]))
    for variable in container.get("env", []):
        if "value" in variable:
            environment[variable["name"]] = variable["value"]
        else:
            reference = variable["valueFrom"]["secretKeyRef"]
            environment[variable["name"]] = secret_data(reference["name"])[reference["key"]]
    return environment


def option(args: list[str], name: str) -> str:
    assert name in args, f"{args}: no {name}"
    return args[args.index(name) + 1]


def port_number(container: Doc, name: str) -> int:
    numbers = [port["containerPort"] for port in container.get("ports", []) if port.get("name") == name]
    assert numbers, f"{container['name']}: no container port named {name}"
    return int(numbers[0])


def api_host(docs: list[Doc], service: str) -> str:
    """The name of the Service that routes to the Deployment running ``services.<service>``."""
    hosts = [
        host["metadata"]["name"]
        for host in of_kind(docs, "Service")
        for deployment in of_kind(docs, "Deployment")
        if selects(host["spec"]["selector"], deployment["spec"]["template"]["metadata"]["labels"])
        and containers(deployment)[0]["args"][0] == f"services.{service}"
    ]
    assert len(hosts) == 1, f"{service}: Services {hosts}"
    return hosts[0]


def assert_reaches_camunda(where: str) -> None:
    """The Helm chart's Zeebe gateway, with the example credentials read under their CAMUNDA_* names."""
    zeebe = ZeebeSettings()
    assert zeebe.address.startswith("camunda-zeebe-gateway."), where
    assert zeebe.kind() == "oauth", where
    assert zeebe.authorization_server_url is not None, where
    assert zeebe.authorization_server_url.endswith("/realms/camunda-platform/protocol/openid-connect/token")
    assert zeebe.token_audience == "zeebe-api", where


@pytest.mark.parametrize("target", TARGETS)
def test_every_container_has_readiness_and_liveness_probes(
    rendered: dict[str, list[Doc]], target: str
) -> None:
    missing = [
        f"{where}: {probe}"
        for where, container in every_container(rendered[target])
        for probe in ("readinessProbe", "livenessProbe")
        if probe not in container
    ]
    assert len(of_kind(rendered[target], "Deployment")) == 21
    assert missing == []


@pytest.mark.parametrize("target", TARGETS)
def test_every_readiness_probe_asks_the_readiness_endpoint(
    rendered: dict[str, list[Doc]], target: str
) -> None:
    paths = {
        where: container["readinessProbe"]["httpGet"]["path"]
        for where, container in every_container(rendered[target])
    }

    assert paths == dict.fromkeys(paths, "/health/ready")


@pytest.mark.parametrize("target", TARGETS)
def test_every_container_has_cpu_and_memory_requests_and_limits(
    rendered: dict[str, list[Doc]], target: str
) -> None:
    missing = [
        f"{where}: {kind}.{resource}"
        for where, container in every_container(rendered[target])
        for kind in ("requests", "limits")
        for resource in ("cpu", "memory")
        if resource not in container.get("resources", {}).get(kind, {})
    ]
    assert missing == []


@pytest.mark.parametrize("target", TARGETS)
def test_probes_look_at_ports_the_containers_declare(rendered: dict[str, list[Doc]], target: str) -> None:
    wrong = []
    for where, container in every_container(rendered[target]):
        declared = {port.get("name") for port in container.get("ports", [])} | {
            port["containerPort"] for port in container.get("ports", [])
        }
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            handler = container.get(probe, {}).get("httpGet") or container.get(probe, {}).get("tcpSocket")
            if handler is not None and handler["port"] not in declared:
                wrong.append(f"{where}: {probe} port {handler['port']} not in {declared}")
    assert wrong == []


@pytest.mark.parametrize("target", TARGETS)
def test_every_deployment_has_exactly_one_pdb_and_no_pdb_spans_two(
    rendered: dict[str, list[Doc]], target: str
) -> None:
    docs = rendered[target]
    budgets = of_kind(docs, "PodDisruptionBudget")
    for deployment in of_kind(docs, "Deployment"):
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        covering = [pdb for pdb in budgets if selects(pdb["spec"]["selector"]["matchLabels"], labels)]
        assert len(covering) == 1, f"{deployment['metadata']['name']}: {len(covering)} PDBs select it"
        assert covering[0]["metadata"].get("namespace") == deployment["metadata"].get("namespace")
    assert len(budgets) == len(of_kind(docs, "Deployment"))


@pytest.mark.parametrize("target", TARGETS)
def test_hpas_scale_existing_deployments_that_leave_the_count_to_them(
    rendered: dict[str, list[Doc]], target: str
) -> None:
    deployments = by_name(rendered[target], "Deployment")
    for hpa in of_kind(rendered[target], "HorizontalPodAutoscaler"):
        target_name = hpa["spec"]["scaleTargetRef"]["name"]
        assert target_name in deployments, f"{hpa['metadata']['name']} scales a missing {target_name}"
        # A spec.replicas would reset the HPA's count on every `kubectl apply`.
        assert "replicas" not in deployments[target_name]["spec"], target_name
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]


@pytest.mark.parametrize("target", TARGETS)
def test_no_secret_is_in_a_config_map(rendered: dict[str, list[Doc]], target: str) -> None:
    config_maps = of_kind(rendered[target], "ConfigMap")
    assert config_maps
    for config_map in config_maps:
        for key, value in (config_map.get("data") or {}).items():
            assert not SECRET_NAME.search(key), f"{config_map['metadata']['name']}: {key} belongs in a Secret"
            assert not URL_WITH_CREDENTIALS.search(value), f"{key}: a URL with credentials"


def test_the_overlays_hold_the_secrets_every_pod_refers_to(rendered: dict[str, list[Doc]]) -> None:
    for overlay in OVERLAYS:
        docs = rendered[overlay]
        secrets, config_maps = by_name(docs, "Secret"), by_name(docs, "ConfigMap")
        for where, container in every_container(docs):
            for source in container.get("envFrom", []):
                if "secretRef" in source:
                    assert source["secretRef"]["name"] in secrets, where
                else:
                    assert source["configMapRef"]["name"] in config_maps, where
        assert {name.rsplit("-", 1)[0] for name in secrets} == {
            "gateway-secrets",
            "camunda-credentials",
            *(f"{group}-secrets" for group in GROUPS),
            *(f"{service}-secrets" for service in SERVICES),
        }


def test_an_overlay_does_not_render_without_its_secret_files(tmp_path: Path) -> None:
    tree = copy_tree(tmp_path, with_secrets=False)
    for overlay in OVERLAYS:
        result = render(kustomize_command(), tree / "overlays" / overlay)
        assert result.returncode != 0
        assert "secrets/" in result.stderr


def test_production_runs_more_gateways_than_staging_and_never_fewer_of_anything(
    rendered: dict[str, list[Doc]],
) -> None:
    staging, production = rendered["staging"], rendered["production"]
    staging_deployments = by_name(staging, "Deployment")
    production_deployments = by_name(production, "Deployment")
    assert staging_deployments.keys() == production_deployments.keys()
    assert floor_replicas(production, production_deployments["gateway"]) > floor_replicas(
        staging, staging_deployments["gateway"]
    )
    for name, deployment in production_deployments.items():
        assert floor_replicas(production, deployment) >= floor_replicas(staging, staging_deployments[name]), (
            name
        )


def test_production_spreads_every_deployments_pods_over_zones(rendered: dict[str, list[Doc]]) -> None:
    for deployment in of_kind(rendered["production"], "Deployment"):
        constraints = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert {constraint["topologyKey"] for constraint in constraints} >= {"topology.kubernetes.io/zone"}
        for constraint in constraints:
            assert selects(constraint["labelSelector"]["matchLabels"], labels)
            assert constraint["matchLabelKeys"] == ["pod-template-hash"]


@pytest.mark.parametrize("target", TARGETS)
def test_every_container_runs_the_one_image_as_a_python_module(
    rendered: dict[str, list[Doc]], target: str
) -> None:
    images = {container["image"] for _, container in every_container(rendered[target])}
    assert len(images) == 1
    (image,) = images
    assert image.rsplit(":", 1)[0].rsplit("/", 1)[-1] == IMAGE
    for where, container in every_container(rendered[target]):
        module = container["args"][0]
        assert "command" not in container, f"{where}: the image's ENTRYPOINT (python -m) must stay"
        assert module in {"gateway", "workers", "events.relay", "events.consumers"} or (
            module.startswith("services.") and module.removeprefix("services.") in SERVICES
        ), where
        assert importlib.util.find_spec(module) is not None, f"{where}: no module {module}"
        assert importlib.util.find_spec(f"{module}.__main__") is not None, (
            f"{where}: {module} is not runnable"
        )


def test_each_service_has_its_api_and_relay_and_each_task_group_its_workers(
    rendered: dict[str, list[Doc]],
) -> None:
    docs = rendered["base"]
    apis, relays, groups, consumers = [], [], [], []
    for _, container in every_container(docs):
        args = container["args"]
        if args[0].startswith("services."):
            apis.append(args[0].removeprefix("services."))
        elif args[0] == "events.relay":
            relays.append(option(args, "--service"))
        elif args[0] == "workers":
            env = {variable["name"]: variable.get("value") for variable in container.get("env", [])}
            groups.extend(WorkerSettings(services=env["WORKERS_SERVICES"]).services)
        elif args[0] == "events.consumers":
            consumers.append(args[1])
    assert sorted(apis) == sorted(SERVICES)
    assert sorted(relays) == sorted(RELAYED_SERVICES)
    assert sorted(groups) == sorted(TASK_GROUPS)  # every job type has exactly one worker deployment
    assert sorted(consumers) == sorted(GROUPS)


def test_the_consumer_settings_known_here_are_those_of_every_group() -> None:
    assert set(CONSUMERS) == set(GROUPS)


@pytest.mark.parametrize("target", TARGETS)
def test_pods_run_restricted(rendered: dict[str, list[Doc]], target: str) -> None:
    for deployment in of_kind(rendered[target], "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod["automountServiceAccountToken"] is False
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True
            assert context["allowPrivilegeEscalation"] is False
            assert context["capabilities"]["drop"] == ["ALL"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_is_in_the_overlays_namespace(rendered: dict[str, list[Doc]], overlay: str) -> None:
    docs = rendered[overlay]
    (namespace,) = by_name(docs, "Namespace")
    for doc in docs:
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == namespace, doc["metadata"]["name"]


@pytest.mark.parametrize("target", TARGETS)
def test_services_route_to_one_deployment_on_a_declared_port(
    rendered: dict[str, list[Doc]], target: str
) -> None:
    deployments = of_kind(rendered[target], "Deployment")
    for service in of_kind(rendered[target], "Service"):
        chosen = [
            deployment
            for deployment in deployments
            if selects(service["spec"]["selector"], deployment["spec"]["template"]["metadata"]["labels"])
        ]
        assert len(chosen) == 1, service["metadata"]["name"]
        for port in service["spec"]["ports"]:
            port_number(containers(chosen[0])[0], port["targetPort"])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_pods_environment_makes_its_process_listen_where_its_probes_look(
    rendered: dict[str, list[Doc]], overlay: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each component's own settings classes read the pod's environment: it binds all interfaces on
    the probed port, and reaches its database, Kafka and Zeebe rather than its embedded defaults."""
    docs = rendered[overlay]
    service_hosts = {service["metadata"]["name"] for service in of_kind(docs, "Service")}
    consumers_seen: set[str] = set()
    for where, container in every_container(docs):
        for name in [name for name in os.environ if OUR_VARIABLES.match(name)]:
            monkeypatch.delenv(name)
        for name, value in pod_environment(docs, container).items():
            monkeypatch.setenv(name, value)
        args: list[str] = container["args"]
        module = args[0]
        assert EventsSettings().kafka_bootstrap_servers, f"{where}: would use the local SQLite log"
        if module == "gateway":
            gateway = GatewaySettings()  # type: ignore[call-arg]  # api_keys comes from the environment
            assert (gateway.host, gateway.port) == ("0.0.0.0", port_number(container, "http")), where
            assert not SQLITE_DEFAULT.match(gateway.database_url.get_secret_value()), where
            assert_reaches_camunda(where)
        elif module.startswith("services."):
            settings = service_settings(module.removeprefix("services."))
            assert (settings.host, settings.port) == ("0.0.0.0", port_number(container, "http")), where
            assert not SQLITE_DEFAULT.match(settings.database_url.get_secret_value()), where
        elif module == "workers":
            workers = WorkerSettings()
            assert (workers.status_host, workers.status_port) == ("0.0.0.0", port_number(container, "status"))
            for group in ("cart", "pricing", "payment", "inventory", "order"):
                assert urlsplit(getattr(workers, f"{group}_url")).hostname in service_hosts, where
            assert_reaches_camunda(where)
        elif module == "events.relay":
            assert option(args, "--host") == "0.0.0.0"
            assert int(option(args, "--status-port")) == port_number(container, "status")
            settings = service_settings(option(args, "--service"))
            assert not SQLITE_DEFAULT.match(settings.database_url.get_secret_value()), where
        else:
            assert module == "events.consumers"
            assert option(args, "--host") == "0.0.0.0"
            assert int(option(args, "--status-port")) == port_number(container, "status")
            settings, downstream = CONSUMERS[args[1]]
            consumer = settings().model_dump()
            assert not consumer["database_url"].startswith("sqlite:"), where
            url = consumer[f"{downstream}_url"]
            assert urlsplit(url).hostname == api_host(docs, downstream), f"{where}: {url}"
            consumers_seen.add(args[1])
    assert consumers_seen == set(GROUPS)
