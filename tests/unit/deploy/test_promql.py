"""Which names of a PromQL expression are metric names (tests/unit/deploy/promql.py)."""

from __future__ import annotations

import pytest

from tests.unit.deploy.promql import metric_names


@pytest.mark.parametrize(
    ("expression", "names"),
    [
        ("up", {"up"}),
        ("sum(rate(http_server_requests_total[5m]))", {"http_server_requests_total"}),
        (
            'rate(checkout_saga_ended_total{outcome="compensated", job=~"work.*"}[5m])',
            {"checkout_saga_ended_total"},
        ),
        ("checkout:saga_ended:rate5m", {"checkout:saga_ended:rate5m"}),
        ('{__name__="engine_incidents_open", bpmn_process_id="checkout"}', {"engine_incidents_open"}),
    ],
)
def test_selectors_name_their_metric(expression: str, names: set[str]) -> None:
    assert metric_names(expression) == names


@pytest.mark.parametrize(
    "expression",
    [
        "histogram_quantile(0.99, sum by (le) (rate(a_bucket[5m])))",
        "histogram_quantile(0.99, sum(rate(a_bucket[5m])) by (le, outcome))",
        "sum without (state, instance) (a_bucket)",
        "max_over_time(a_bucket[1h:5m])",
        "a_bucket offset 1h",
    ],
)
def test_functions_aggregations_grouping_labels_and_durations_are_not_metrics(expression: str) -> None:
    assert metric_names(expression) == {"a_bucket"}


@pytest.mark.parametrize(
    ("expression", "names"),
    [
        ("a / on (job) group_left (service) b", {"a", "b"}),
        ("a * ignoring (state) group_right b", {"a", "b"}),
        ("a > bool 0.5 and b unless c or d", {"a", "b", "c", "d"}),
        ('label_replace(a, "dst", "$1", "src", "(.*)") + b', {"a", "b"}),
    ],
)
def test_binary_operators_keep_both_sides_and_drop_keywords_and_strings(
    expression: str, names: set[str]
) -> None:
    assert metric_names(expression) == names


@pytest.mark.parametrize(
    "expression", ["a > 1e3", "a > 0x1F", "a < +Inf", "a != NaN", "a * -2.5e-3", "vector(1) * a"]
)
def test_numbers_are_not_metrics(expression: str) -> None:
    assert metric_names(expression) == {"a"}


def test_grafana_variables_are_not_metrics() -> None:
    expression = 'sum by (group) (rate(a_total{group=~"$group"}[$__rate_interval])) / ${scale} / [[legacy]]'

    assert metric_names(expression) == {"a_total"}
