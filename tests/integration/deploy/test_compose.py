"""The compose cluster (deploy/compose/) checked without a container engine: Debian's docker-compose 1.29
resolves it (`config -q`, with the example secrets), yamllint reads every YAML file of it, promtool its
Prometheus config; the rest asserts on the resolved configuration, so what is checked is what compose
would run."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

from checkout_saga.layout import Ports
from checkout_saga.settings import StackSettings
from events.consumer.settings import ConsumerSettings
from events.consumers.__main__ import GROUPS
from events.consumers.cart_checkouts import CartCheckoutsSettings
from events.consumers.loyalty_points import LoyaltyPointsSettings
from events.relay.settings import RelaySettings
from events.settings import EventsSettings
from gateway.settings import GatewaySettings
from services.cart.settings import CartSettings
from services.inventory.settings import InventorySettings
from services.loyalty.settings import LoyaltySettings
from services.order.settings import OrderSettings
from services.payment.settings import PaymentSettings
from services.payment_provider.settings import ProviderSettings
from services.pricing.settings import PricingSettings
from tests.integration.deploy.compose import (
    COMPOSE_DIR,
    COMPOSE_FILE,
    COMPOSE_PROMETHEUS_CONFIG,
    ENV_EXAMPLE,
    GRAFANA_DASHBOARD_PROVIDER,
    OTEL_COLLECTOR_CONFIG,
    POSTGRES_INIT,
    YAMLLINT_CONFIG,
    compose,
    env_example,
    find_tool,
    healthcheck_test,
    mounts,
    parse_config,
    published_ports,
    required_variables,
    run,
)
from tests.integration.deploy.promtool import run_promtool
from tests.unit.deploy.artifacts import ROOT, RULES_FILE
from tests.unit.deploy.docker_image import DOCKERFILE, load_healthcheck
from workers.settings import WorkerSettings
from zeebe_connection import ZeebeSettings

healthcheck = load_healthcheck()

IMAGE = "checkout-saga:local"
OUR_COMMANDS: dict[str, list[str]] = {
    "payment-provider": ["services.payment_provider"],
    "cart": ["services.cart"],
    "pricing": ["services.pricing"],
    "payment": ["services.payment"],
    "inventory": ["services.inventory"],
    "order": ["services.order"],
    "loyalty": ["services.loyalty"],
    "relay": ["events.relay", "--all", "--host", "0.0.0.0", "--status-port", "8091"],
    "loyalty-points": ["events.consumers", "loyalty-points", "--host", "0.0.0.0", "--status-port", "8092"],
    "cart-checkouts": ["events.consumers", "cart-checkouts", "--host", "0.0.0.0", "--status-port", "8093"],
    "workers": ["workers"],
    "gateway": ["gateway"],
    "deploy-bpmn": ["checkout_saga.cli", "deploy"],
}
"""Every service built from deploy/docker/Dockerfile and the command it runs (``python -m ...``)."""
ONE_SHOT = {"deploy-bpmn"}
SERVERS = sorted(set(OUR_COMMANDS) - ONE_SHOT)
WORKER_DOWNSTREAMS = ("cart", "pricing", "payment", "inventory", "order")
SERVICE_DATABASES = {
    "payment-provider": ("PROVIDER_DATABASE_URL", "postgres"),
    "cart": ("CART_DATABASE_URL", "postgres"),
    "pricing": ("PRICING_DATABASE_URL", "postgres"),
    "payment": ("PAYMENT_DATABASE_URL", "mariadb"),
    "inventory": ("INVENTORY_DATABASE_URL", "postgres"),
    "order": ("ORDER_DATABASE_URL", "postgres"),
    "loyalty": ("LOYALTY_DATABASE_URL", "postgres"),
    "gateway": ("GATEWAY_DATABASE_URL", "postgres"),
    "loyalty-points": ("LOYALTY_POINTS_DATABASE_URL", "postgres"),
    "cart-checkouts": ("CART_CHECKOUTS_DATABASE_URL", "postgres"),
}
"""Each component's database variable and server: payment on MariaDB, the rest on PostgreSQL, as in CI."""
CONSUMER_DOWNSTREAMS = {"loyalty-points": "loyalty", "cart-checkouts": "cart"}
"""Each consumer group (a compose service of the same name) and the service it calls."""
KAFKA_CLIENTS = ("relay", *CONSUMER_DOWNSTREAMS, "workers", "gateway")
ZEEBE_CLIENTS = ("workers", "gateway", "deploy-bpmn")
RELAYED_SETTINGS: list[type[BaseSettings]] = [
    CartSettings,
    PricingSettings,
    PaymentSettings,
    InventorySettings,
    OrderSettings,
    LoyaltySettings,
]
SETTINGS_OF: dict[str, list[type[BaseSettings]]] = {
    "payment-provider": [ProviderSettings],
    "cart": [CartSettings],
    "pricing": [PricingSettings],
    "payment": [PaymentSettings],
    "inventory": [InventorySettings],
    "order": [OrderSettings],
    "loyalty": [LoyaltySettings],
    "relay": [RelaySettings, EventsSettings, *RELAYED_SETTINGS],
    "loyalty-points": [LoyaltyPointsSettings, ConsumerSettings, EventsSettings],
    "cart-checkouts": [CartCheckoutsSettings, ConsumerSettings, EventsSettings],
    "workers": [WorkerSettings, ZeebeSettings, EventsSettings],
    "gateway": [GatewaySettings, ZeebeSettings, EventsSettings, ConsumerSettings],
    "deploy-bpmn": [ZeebeSettings, StackSettings],
}
"""The settings each component reads (its ``__main__``); OTEL_* are read by the OpenTelemetry SDK."""


@pytest.fixture(scope="session")
def docker_compose() -> Path:
    return find_tool("docker-compose")


@pytest.fixture(scope="session")
def yamllint() -> Path:
    return find_tool("yamllint")


@pytest.fixture(scope="session")
def config(docker_compose: Path) -> dict[str, Any]:
    """`docker-compose config` of the compose file with the example secrets: anchors merged, variables
    interpolated, paths absolute."""
    resolved = compose(docker_compose, ENV_EXAMPLE, "config")
    assert resolved.returncode == 0, resolved.stderr
    return parse_config(resolved.stdout)


@pytest.fixture(scope="session")
def services(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = config["services"]
    assert isinstance(found, dict)
    return found


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    assert isinstance(env, dict), "config writes environment as a mapping"
    return {str(key): "" if value is None else str(value) for key, value in env.items()}


def probe(services: dict[str, dict[str, Any]], name: str) -> Any:
    """Where the image's health check would ask the component of service ``name``."""
    command = services[name]["command"]
    return healthcheck.probe_for(command[0], command[1:], environment(services[name]))


# ---- the tools' verdicts ---------------------------------------------------------------------------------


def test_docker_compose_validates_the_compose_file_with_the_example_env(docker_compose: Path) -> None:
    checked = compose(docker_compose, ENV_EXAMPLE, "config", "--quiet")

    assert checked.returncode == 0, checked.stderr


def test_docker_compose_refuses_the_compose_file_when_a_secret_is_missing(
    docker_compose: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.env"
    empty.write_text("")

    checked = compose(docker_compose, empty, "config", "--quiet")

    assert checked.returncode != 0
    assert "set it in .env" in checked.stderr, checked.stderr


def test_yamllint_passes_every_yaml_file_of_the_compose_directory(yamllint: Path) -> None:
    linted = run(yamllint, "--strict", "--config-file", YAMLLINT_CONFIG, COMPOSE_DIR)

    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_promtool_accepts_the_compose_prometheus_config_with_the_project_rules(
    promtool: Path, tmp_path: Path, services: dict[str, dict[str, Any]]
) -> None:
    # Lay the files out as the prometheus service mounts them: the config, and rules/ beside it.
    targets = {mount.target: Path(mount.source) for mount in mounts(services["prometheus"])}
    config_dir = tmp_path / "etc-prometheus"
    config_dir.mkdir()
    shutil.copy(targets["/etc/prometheus/prometheus.yml"], config_dir / "prometheus.yml")
    shutil.copytree(targets["/etc/prometheus/rules"], config_dir / "rules")

    checked = run_promtool(promtool, "check", "config", config_dir / "prometheus.yml")

    assert checked.returncode == 0, checked.stdout
    assert "SUCCESS: 1 rule files found" in checked.stdout, checked.stdout


def variable_names(settings: type[BaseSettings]) -> set[str]:
    """The environment variables a settings class reads: its fields' aliases, else prefix + name."""
    prefix = settings.model_config.get("env_prefix") or ""
    names: set[str] = set()
    for name, field in settings.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names |= {str(choice) for choice in alias.choices}
        elif isinstance(alias, str):
            names.add(alias)
        else:
            names.add(f"{prefix}{name}".upper())
    return names


# ---- our components --------------------------------------------------------------------------------------


def test_the_settings_each_component_reads_are_known_for_every_component() -> None:
    assert set(SETTINGS_OF) == set(OUR_COMMANDS)


@pytest.mark.parametrize("name", sorted(OUR_COMMANDS))
def test_each_component_is_given_only_variables_its_settings_or_opentelemetry_read(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    known = set().union(*(variable_names(settings) for settings in SETTINGS_OF[name]))

    unknown = {key for key in environment(services[name]) if key not in known and not key.startswith("OTEL_")}

    assert not unknown, f"{name}: no setting reads {sorted(unknown)}"


@pytest.mark.parametrize("name", sorted(OUR_COMMANDS))
def test_each_components_settings_accept_its_compose_environment(
    services: dict[str, dict[str, Any]], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for settings in SETTINGS_OF[name]:
        for variable in variable_names(settings):
            monkeypatch.delenv(variable, raising=False)
    for key, value in environment(services[name]).items():
        monkeypatch.setenv(key, value)

    for settings in SETTINGS_OF[name]:
        settings()  # raises ValidationError on a value the component would refuse at start-up


def test_exactly_the_expected_services_run_the_checkout_saga_image(
    services: dict[str, dict[str, Any]],
) -> None:
    ours = {name for name, service in services.items() if service.get("image") == IMAGE}

    assert ours == set(OUR_COMMANDS)


@pytest.mark.parametrize("name", sorted(OUR_COMMANDS))
def test_each_component_is_built_from_the_one_dockerfile_and_runs_its_command(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    service = services[name]

    assert Path(service["build"]["context"]) == ROOT
    assert ROOT / service["build"]["dockerfile"] == DOCKERFILE
    assert service["command"] == OUR_COMMANDS[name]
    assert "entrypoint" not in service, "the image's ENTRYPOINT (python -m) runs the command"


@pytest.mark.parametrize("name", SERVERS)
def test_each_long_running_component_has_the_images_healthcheck(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    test = healthcheck_test(services[name])

    assert test[:3] == ["CMD", "python", "/usr/local/lib/checkout-saga/healthcheck.py"], test


def test_the_diagram_deployment_runs_once_before_the_gateway_takes_checkouts(
    services: dict[str, dict[str, Any]],
) -> None:
    deploy = services["deploy-bpmn"]

    assert deploy["restart"] == "no"
    assert deploy["depends_on"]["orchestration"]["condition"] == "service_healthy"
    assert services["gateway"]["depends_on"]["deploy-bpmn"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("name", SERVERS)
def test_each_server_listens_on_all_interfaces_of_its_container(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    command = services[name]["command"]
    bind_hosts = [value for key, value in environment(services[name]).items() if key.endswith("_HOST")]
    if "--host" in command:
        bind_hosts.append(command[command.index("--host") + 1])

    assert bind_hosts, "no bind host set: the server would listen on the container's loopback only"
    assert set(bind_hosts) == {"0.0.0.0"}


@pytest.mark.parametrize("name", SERVERS)
def test_prometheus_scrapes_each_server_on_the_port_it_listens_on(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    scrape = yaml.safe_load(COMPOSE_PROMETHEUS_CONFIG.read_text())
    targets = {
        target
        for job in scrape["scrape_configs"]
        for group in job["static_configs"]
        for target in group["targets"]
    }

    assert f"{name}:{probe(services, name).port}" in targets


@pytest.mark.parametrize("downstream", WORKER_DOWNSTREAMS)
def test_the_workers_call_each_service_where_it_listens(
    services: dict[str, dict[str, Any]], downstream: str
) -> None:
    url = environment(services["workers"])[f"WORKERS_{downstream.upper()}_URL"]

    assert url == f"http://{downstream}:{probe(services, downstream).port}"


def test_payment_calls_the_provider_where_it_listens(services: dict[str, dict[str, Any]]) -> None:
    provider = probe(services, "payment-provider").port

    assert environment(services["payment"])["PAYMENT_PROVIDER_URL"] == f"http://payment-provider:{provider}"


def test_every_consumer_group_runs_as_a_service_of_its_name() -> None:
    groups = {name: command[1] for name, command in OUR_COMMANDS.items() if command[0] == "events.consumers"}

    assert groups == {group: group for group in GROUPS}
    assert set(CONSUMER_DOWNSTREAMS) == set(GROUPS)


@pytest.mark.parametrize("group", sorted(CONSUMER_DOWNSTREAMS))
def test_each_consumer_calls_its_downstream_where_it_listens_once_it_is_healthy(
    services: dict[str, dict[str, Any]], group: str
) -> None:
    downstream = CONSUMER_DOWNSTREAMS[group]
    variable = f"{group.replace('-', '_').upper()}_{downstream.upper()}_URL"

    assert environment(services[group])[variable] == f"http://{downstream}:{probe(services, downstream).port}"
    assert services[group]["depends_on"][downstream]["condition"] == "service_healthy"


@pytest.mark.parametrize("group", sorted(CONSUMER_DOWNSTREAMS))
def test_each_consumer_serves_its_status_on_its_port_of_the_local_stack(
    services: dict[str, dict[str, Any]], group: str
) -> None:
    assert probe(services, group).port == Ports().of(f"{group.replace('-', '_')}_status")


def test_payment_authenticates_with_the_providers_api_key(services: dict[str, dict[str, Any]]) -> None:
    assert (
        environment(services["payment"])["PAYMENT_PROVIDER_API_KEY"]
        == environment(services["payment-provider"])["PROVIDER_API_KEY"]
    )


@pytest.mark.parametrize("name", sorted(SERVICE_DATABASES))
def test_each_component_uses_its_own_database_on_the_expected_server(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    variable, server = SERVICE_DATABASES[name]
    url = urlsplit(environment(services[name])[variable])

    assert url.hostname == server
    assert url.path.lstrip("/") == url.username, "each database is owned by a role of its own name"


@pytest.mark.parametrize(
    "name", sorted(n for n, (_, server) in SERVICE_DATABASES.items() if server == "postgres")
)
def test_postgres_creates_each_components_role_with_the_password_its_url_carries(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    url = urlsplit(environment(services[name])[SERVICE_DATABASES[name][0]])
    postgres_env = environment(services["postgres"])
    created = {
        line.split()[1]: line.split()[2].strip('"$')
        for line in POSTGRES_INIT.read_text().splitlines()
        if line.startswith("create ")
    }

    assert url.username in created, f"{POSTGRES_INIT.name} creates no database {url.username}"
    assert postgres_env[created[url.username]] == url.password


def test_mariadb_creates_payments_database_user_and_password(services: dict[str, dict[str, Any]]) -> None:
    url = urlsplit(environment(services["payment"])["PAYMENT_DATABASE_URL"])
    mariadb = environment(services["mariadb"])

    assert (mariadb["MARIADB_DATABASE"], mariadb["MARIADB_USER"], mariadb["MARIADB_PASSWORD"]) == (
        url.path.lstrip("/"),
        url.username,
        url.password,
    )


def test_the_relay_reads_every_services_outbox_with_that_services_own_url(
    services: dict[str, dict[str, Any]],
) -> None:
    relay = environment(services["relay"])

    for name in ("cart", "pricing", "payment", "inventory", "order", "loyalty"):
        variable = f"{name.upper()}_DATABASE_URL"
        assert relay[variable] == environment(services[name])[variable], variable


def test_pricing_caches_in_redis_with_redis_password(services: dict[str, dict[str, Any]]) -> None:
    url = urlsplit(environment(services["pricing"])["PRICING_REDIS_URL"])

    assert url.hostname == "redis"
    assert url.password == environment(services["redis"])["REDIS_PASSWORD"]


@pytest.mark.parametrize("name", KAFKA_CLIENTS)
def test_each_event_client_uses_the_kafka_broker_on_its_advertised_listener(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    advertised = environment(services["kafka"])["KAFKA_ADVERTISED_LISTENERS"]

    bootstrap = environment(services[name])["KAFKA_BOOTSTRAP_SERVERS"]

    assert f"//{bootstrap}" in advertised
    assert services[name]["depends_on"]["kafka"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", ZEEBE_CLIENTS)
def test_each_zeebe_client_reaches_the_orchestration_clusters_gateway_once_it_is_healthy(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    assert environment(services[name])["ZEEBE_ADDRESS"] == "orchestration:26500"
    assert services[name]["depends_on"]["orchestration"]["condition"] == "service_healthy"


def test_the_gateway_reads_checkouts_from_operate_of_the_orchestration_cluster(
    services: dict[str, dict[str, Any]],
) -> None:
    assert environment(services["gateway"])["GATEWAY_OPERATE_URL"] == "http://orchestration:8080"


def test_the_gateways_api_keys_come_from_the_env_file(services: dict[str, dict[str, Any]]) -> None:
    assert environment(services["gateway"])["GATEWAY_API_KEYS"] == env_example()["GATEWAY_API_KEYS"]


@pytest.mark.parametrize("name", SERVERS)
def test_each_server_exports_its_traces_to_the_collector(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    env = environment(services[name])

    assert env["OTEL_TRACES_EXPORTER"] == "otlp"
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4318"
    assert env["OTEL_SERVICE_NAME"] == name


def test_the_collector_receives_otlp_over_http_and_sends_the_traces_to_jaeger() -> None:
    collector = yaml.safe_load(OTEL_COLLECTOR_CONFIG.read_text())
    traces = collector["service"]["pipelines"]["traces"]

    assert collector["receivers"]["otlp"]["protocols"]["http"]["endpoint"].endswith(":4318")
    assert [collector["exporters"][name]["endpoint"] for name in traces["exporters"]] == ["jaeger:4317"]


# ---- the cluster as a whole ------------------------------------------------------------------------------


def test_every_published_port_binds_the_hosts_loopback_only(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for port in published_ports(service):
            assert port.host_ip == "127.0.0.1", f"{name} publishes {port}"


def test_of_our_components_only_the_gateway_is_published(services: dict[str, dict[str, Any]]) -> None:
    published = {name for name in OUR_COMMANDS if published_ports(services[name])}

    assert published == {"gateway"}


def test_every_service_waited_on_for_health_has_a_healthcheck(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for dependency, condition in (service.get("depends_on") or {}).items():
            if condition["condition"] == "service_healthy":
                assert healthcheck_test(services[dependency]), f"{name} waits on {dependency}, which has none"


def test_every_image_not_built_here_is_pinned_to_a_version(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        if name in OUR_COMMANDS:
            continue
        image = service["image"]
        _, _, tag = image.rpartition(":")
        assert any(character.isdigit() for character in tag), f"{name}: {image}"
        assert "latest" not in tag, f"{name}: {image}"


def test_camunda_runs_one_release_of_the_orchestration_cluster_on_elasticsearch(
    services: dict[str, dict[str, Any]],
) -> None:
    orchestration = services["orchestration"]
    env = environment(orchestration)

    assert orchestration["image"].startswith("camunda/camunda:8.8.")
    assert env["CAMUNDA_DATA_SECONDARYSTORAGE_TYPE"] == "elasticsearch"
    assert urlsplit(env["CAMUNDA_DATA_SECONDARYSTORAGE_ELASTICSEARCH_URL"]).hostname == "elasticsearch"
    assert orchestration["depends_on"]["elasticsearch"]["condition"] == "service_healthy"


def test_prometheus_loads_the_projects_rules(services: dict[str, dict[str, Any]]) -> None:
    rules = {mount.target: mount for mount in mounts(services["prometheus"])}["/etc/prometheus/rules"]

    assert Path(rules.source) == RULES_FILE.parent
    assert rules.read_only
    assert Path(rules.source, RULES_FILE.name).is_file()


def test_grafana_provisions_the_projects_dashboards_from_where_they_are_mounted(
    services: dict[str, dict[str, Any]],
) -> None:
    provider = yaml.safe_load(GRAFANA_DASHBOARD_PROVIDER.read_text())["providers"][0]
    dashboards = {mount.target: mount for mount in mounts(services["grafana"])}[provider["options"]["path"]]

    assert Path(dashboards.source) == ROOT / "deploy" / "grafana" / "dashboards"
    assert any(Path(dashboards.source).glob("*.json"))


def test_every_variable_the_compose_file_requires_is_in_the_example_env() -> None:
    missing = required_variables() - set(env_example())

    assert not missing, f"add to {ENV_EXAMPLE.name}: {sorted(missing)}"


def test_the_real_env_file_is_kept_out_of_git() -> None:
    assert ".env" in (COMPOSE_DIR / ".gitignore").read_text().splitlines()
    assert COMPOSE_FILE.is_file()
