"""The alert and recording rules (deploy/prometheus/rules/checkout-saga.yml) as written, without
Prometheus: what the alerts are, what they tell an operator, and that they read real metrics.
promtool checks and unit-tests the same file in tests/integration/deploy/."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.unit.deploy.artifacts import (
    alert_rules,
    dashboard_expressions,
    recorded_names,
    recording_rules,
    rule_tests,
    rules,
)
from tests.unit.deploy.known_metrics import known_metric_names
from tests.unit.deploy.promql import metric_names

EXPECTED_ALERTS = {
    "CheckoutCompensationRateHigh",
    "CheckoutSagaLatencyHigh",
    "EventsConsumerLagHigh",
    "EngineIncidentOpen",
    "CheckoutCircuitBreakerOpen",
}


def rule_id(rule: dict[str, Any]) -> str:
    return str(rule.get("alert") or rule.get("record"))


def test_the_rule_file_alerts_on_compensations_latency_lag_incidents_and_breakers() -> None:
    assert {rule["alert"] for rule in alert_rules()} == EXPECTED_ALERTS


@pytest.mark.parametrize("rule", rules(), ids=rule_id)
def test_a_rule_reads_only_metrics_that_exist_or_are_recorded(rule: dict[str, Any]) -> None:
    assert metric_names(rule["expr"]) - known_metric_names() - recorded_names() == set()


@pytest.mark.parametrize("rule", alert_rules(), ids=rule_id)
def test_an_alert_is_named_in_camel_case(rule: dict[str, Any]) -> None:
    assert re.fullmatch(r"(?:[A-Z][a-z0-9]+)+", rule["alert"])


@pytest.mark.parametrize("rule", alert_rules(), ids=rule_id)
def test_an_alert_waits_before_firing(rule: dict[str, Any]) -> None:
    assert re.fullmatch(r"\d+[smh]", rule.get("for") or "")


@pytest.mark.parametrize("rule", alert_rules(), ids=rule_id)
def test_an_alert_has_a_severity_a_summary_and_a_description(rule: dict[str, Any]) -> None:
    assert rule["labels"]["severity"] in {"warning", "critical"}
    assert set(rule["annotations"]) == {"summary", "description"}
    assert all(text.strip() for text in rule["annotations"].values())


@pytest.mark.parametrize("rule", alert_rules(), ids=rule_id)
def test_an_alert_has_promtool_unit_tests(rule: dict[str, Any]) -> None:
    testing = [path.name for path in rule_tests() if f"alertname: {rule['alert']}\n" in path.read_text()]

    assert testing, f"no file in deploy/prometheus/tests/ tests {rule['alert']}"


@pytest.mark.parametrize("rule", recording_rules(), ids=rule_id)
def test_a_recording_rule_is_named_namespace_what_how(rule: dict[str, Any]) -> None:
    assert re.fullmatch(r"[a-z]+:[a-z0-9_]+:[a-z0-9_]+", rule["record"])


@pytest.mark.parametrize("rule", recording_rules(), ids=rule_id)
def test_a_recording_rule_is_read_by_an_alert_or_the_dashboard(rule: dict[str, Any]) -> None:
    readers = [alert["expr"] for alert in alert_rules()] + [expr for _, expr in dashboard_expressions()]

    assert any(rule["record"] in metric_names(expression) for expression in readers)
