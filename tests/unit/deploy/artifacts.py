"""The monitoring files under deploy/, read as the tests need them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]
PROMETHEUS_DIR = ROOT / "deploy" / "prometheus"
RULES_FILE = PROMETHEUS_DIR / "rules" / "checkout-saga.yml"
RULE_TESTS_DIR = PROMETHEUS_DIR / "tests"
SCRAPE_CONFIG = PROMETHEUS_DIR / "prometheus.yml"
DASHBOARD_FILE = ROOT / "deploy" / "grafana" / "dashboards" / "checkout-saga.json"


def rule_tests() -> list[Path]:
    return sorted(RULE_TESTS_DIR.glob("*.yml"))


def rules() -> list[dict[str, Any]]:
    """Every rule of every group of the rule file, in order."""
    document = yaml.safe_load(RULES_FILE.read_text())
    assert isinstance(document, dict)
    groups = document["groups"]
    assert isinstance(groups, list)
    found: list[dict[str, Any]] = []
    for group in groups:
        assert isinstance(group, dict)
        assert isinstance(group["rules"], list)
        for rule in group["rules"]:
            assert isinstance(rule, dict)
            found.append(rule)
    return found


def alert_rules() -> list[dict[str, Any]]:
    return [rule for rule in rules() if "alert" in rule]


def recording_rules() -> list[dict[str, Any]]:
    return [rule for rule in rules() if "record" in rule]


def recorded_names() -> set[str]:
    return {rule["record"] for rule in recording_rules()}


def dashboard() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DASHBOARD_FILE.read_text())
    return document


def dashboard_panels() -> list[dict[str, Any]]:
    """Every panel, rows included (and the panels of collapsed rows)."""
    panels: list[dict[str, Any]] = []
    for panel in dashboard()["panels"]:
        panels += [panel, *panel.get("panels", [])]
    return panels


def data_panels() -> list[dict[str, Any]]:
    """The panels that query a data source: all but rows."""
    return [panel for panel in dashboard_panels() if panel["type"] != "row"]


def dashboard_expressions() -> list[tuple[str, str]]:
    """``(panel title and refId, PromQL)`` of every query of the dashboard."""
    return [
        (f"{panel['title']} {target['refId']}", target["expr"])
        for panel in data_panels()
        for target in panel.get("targets", [])
    ]
