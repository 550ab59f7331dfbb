"""The example scrape config (deploy/prometheus/prometheus.yml) against the local stack's ports.
promtool checks its syntax in tests/integration/deploy/."""

from __future__ import annotations

import dataclasses
import re

import yaml

from checkout_saga.layout import Ports
from events.consumers.__main__ import GROUPS
from tests.unit.deploy.artifacts import RULES_FILE, SCRAPE_CONFIG

NOT_HTTP = {"engine_grpc"}


def test_every_http_process_of_the_local_stack_is_scraped_on_its_default_port() -> None:
    defaults = Ports()
    http_ports = {
        getattr(defaults, field.name) for field in dataclasses.fields(Ports) if field.name not in NOT_HTTP
    }

    scraped = {int(port) for port in re.findall(r'"127\.0\.0\.1:(\d+)"', SCRAPE_CONFIG.read_text())}

    assert scraped == http_ports


def test_each_consumer_group_is_scraped_as_a_job_of_its_name_on_its_status_port() -> None:
    jobs = {
        job["job_name"]: [target for group in job["static_configs"] for target in group["targets"]]
        for job in yaml.safe_load(SCRAPE_CONFIG.read_text())["scrape_configs"]
    }

    for group in GROUPS:
        assert jobs.get(group) == [f"127.0.0.1:{Ports().of(group.replace('-', '_') + '_status')}"], group


def test_the_scrape_config_loads_the_rule_file() -> None:
    rule_file = RULES_FILE.relative_to(SCRAPE_CONFIG.parent).as_posix()

    assert re.search(rf"^rule_files:\n  - {re.escape(rule_file)}$", SCRAPE_CONFIG.read_text(), re.MULTILINE)
