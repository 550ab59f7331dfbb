"""Every process of the stack serves Prometheus metrics, and the saga's figures follow what happens."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from checkout_saga.layout import SERVICE_NAMES
from tests.e2e.conftest import Stack, body

STATUS_PORTS = ("workers_status", "relay_status", "loyalty_points_status", "cart_checkouts_status")
PROCESSES_WITH_METRICS = ("gateway", "engine_http", *STATUS_PORTS, *SERVICE_NAMES, "payment_provider")
"""Each process by the name of its port in the stack's layout."""


def scrape(stack: Stack, name: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = stack.http.get(stack.layout.url(name, "/metrics"))
    assert response.status_code == 200, f"{name}: {response.status_code}"
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.mark.parametrize(
    "process", ["gateway", "engine_http", *STATUS_PORTS, *SERVICE_NAMES, "payment_provider"]
)
def test_every_process_serves_prometheus_metrics(stack: Stack, process: str) -> None:
    assert scrape(stack, process)


def test_a_completed_and_a_compensated_checkout_show_in_the_saga_metrics(stack: Stack) -> None:
    before = scrape(stack, "workers_status")

    assert stack.run(body(("SKU-2", 1)))["status"] == "COMPLETED"
    assert stack.run(body(token="tok_chargeDeclined"))["status"] == "COMPENSATED"

    after = scrape(stack, "workers_status")

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("checkout_saga_started_total") == 2
    assert grew("checkout_saga_ended_total", outcome="completed") == 1
    assert grew("checkout_saga_ended_total", outcome="compensated") == 1
    assert grew("checkout_saga_duration_seconds_count", outcome="compensated") == 1
    assert grew("checkout_step_runs_total", step="payment.capture", outcome="business_failure") == 1
    assert grew("checkout_step_compensations_total", step="cart.reserve", outcome="success") == 1


def test_the_relay_holds_each_saga_service_outbox_and_publishes_its_events(stack: Stack) -> None:
    assert stack.run(body(("SKU-2", 1)))["status"] == "COMPLETED"

    samples = scrape(stack, "relay_status")

    for service in ("cart", "pricing", "payment", "inventory", "order"):
        assert value(samples, "outbox_relay_lease_held", service=service) == 1
        assert value(samples, "outbox_relay_published_events_total", service=service) > 0
