"""The workers' metrics: what each saga, step, compensation and job adds, and how breakers show."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from prometheus_client import CONTENT_TYPE_LATEST

from workers.breaker import CircuitBreaker
from workers.failures import BusinessFailure, CircuitOpen, TechnicalFailure
from workers.metrics import SagaOutcome, WorkerMetrics
from workers.status import status_app
from workers.steps import measured_compensation, measured_step

JOB_TIMEOUT_MS = 30_000


async def zeebe_answers() -> None:
    return None


@pytest.fixture
def breakers() -> dict[str, CircuitBreaker]:
    return {"payment": CircuitBreaker("payment", failure_threshold=1, reset_seconds=60)}


@pytest.fixture
def metrics(breakers: dict[str, CircuitBreaker]) -> WorkerMetrics:
    return WorkerMetrics(breakers, JOB_TIMEOUT_MS)


def sample(metrics: WorkerMetrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def test_a_started_saga_is_counted(metrics: WorkerMetrics) -> None:
    metrics.saga_started()
    assert sample(metrics, "checkout_saga_started_total") == 1


def test_every_saga_outcome_is_a_series_from_the_start(metrics: WorkerMetrics) -> None:
    assert [sample(metrics, "checkout_saga_ended_total", outcome=o) for o in SagaOutcome] == [0, 0, 0]


def test_a_declared_step_has_every_outcome_and_compensation_series_from_the_start(
    metrics: WorkerMetrics,
) -> None:
    metrics.declare_step("cart.reserve")
    metrics.declare_compensation("cart.reserve")

    assert sample(metrics, "checkout_step_runs_total", step="cart.reserve", outcome="technical_failure") == 0
    assert sample(metrics, "checkout_step_compensations_total", step="cart.reserve", outcome="failure") == 0


def test_an_ended_saga_is_counted_by_outcome_with_its_duration(metrics: WorkerMetrics) -> None:
    metrics.saga_ended(SagaOutcome.COMPENSATED, int(time.time() * 1000) - 1_500)

    assert sample(metrics, "checkout_saga_ended_total", outcome="compensated") == 1
    assert sample(metrics, "checkout_saga_ended_total", outcome="completed") == 0
    assert sample(metrics, "checkout_saga_duration_seconds_count", outcome="compensated") == 1
    assert 1.5 <= (sample(metrics, "checkout_saga_duration_seconds_sum", outcome="compensated") or 0) < 60


@pytest.mark.parametrize("started_at", [None, "yesterday", True])
def test_a_saga_without_a_start_time_is_counted_without_a_duration(
    metrics: WorkerMetrics, started_at: object
) -> None:
    metrics.saga_ended(SagaOutcome.COMPLETED, started_at)

    assert sample(metrics, "checkout_saga_ended_total", outcome="completed") == 1
    assert sample(metrics, "checkout_saga_duration_seconds_count", outcome="completed") == 0


async def test_a_step_that_returns_counts_as_a_success(metrics: WorkerMetrics) -> None:
    async def reserve(checkoutId: str) -> dict[str, str]:
        return {"cartId": checkoutId}

    assert await measured_step(reserve, "cart.reserve", metrics)(checkoutId="chk-1") == {"cartId": "chk-1"}
    assert sample(metrics, "checkout_step_runs_total", step="cart.reserve", outcome="success") == 1
    assert (
        sample(metrics, "checkout_step_duration_seconds_count", step="cart.reserve", outcome="success") == 1
    )


@pytest.mark.parametrize(
    ("failure", "outcome"),
    [
        (BusinessFailure("PAYMENT_DECLINED", "declined"), "business_failure"),
        (CircuitOpen("payment"), "business_failure"),
        (TechnicalFailure("payment answered 503"), "technical_failure"),
        (KeyError("paymentId"), "technical_failure"),
    ],
)
async def test_a_step_that_raises_counts_as_the_handler_treats_it_and_still_raises(
    metrics: WorkerMetrics, failure: Exception, outcome: str
) -> None:
    async def capture() -> None:
        raise failure

    with pytest.raises(type(failure)):
        await measured_step(capture, "payment.capture", metrics)()
    assert sample(metrics, "checkout_step_runs_total", step="payment.capture", outcome=outcome) == 1


async def test_compensations_are_counted_by_the_step_they_undo_and_whether_they_succeeded(
    metrics: WorkerMetrics,
) -> None:
    async def refund() -> None:
        return None

    async def failing_refund() -> None:
        raise TechnicalFailure("payment answered 503")

    await measured_compensation(refund, "payment.capture", metrics)()
    with pytest.raises(TechnicalFailure):
        await measured_compensation(failing_refund, "payment.capture", metrics)()

    assert (
        sample(metrics, "checkout_step_compensations_total", step="payment.capture", outcome="success") == 1
    )
    assert (
        sample(metrics, "checkout_step_compensations_total", step="payment.capture", outcome="failure") == 1
    )


def test_a_job_is_timed_from_its_activation_which_its_deadline_tells(metrics: WorkerMetrics) -> None:
    activated_ms = int(time.time() * 1000) - 2_000
    metrics.job_handled("payment.capture", activated_ms + JOB_TIMEOUT_MS)

    seconds = sample(metrics, "zeebe_job_activation_to_completion_seconds_sum", job_type="payment.capture")
    assert seconds is not None
    assert 2.0 <= seconds < 60


def test_each_breaker_shows_one_for_the_state_it_is_in(
    metrics: WorkerMetrics, breakers: dict[str, CircuitBreaker]
) -> None:
    breakers["payment"].record_failure()

    assert sample(metrics, "checkout_circuit_breaker_state", downstream="payment", state="open") == 1
    assert sample(metrics, "checkout_circuit_breaker_state", downstream="payment", state="closed") == 0


def test_the_status_endpoint_serves_the_metrics_in_prometheus_text_format(
    metrics: WorkerMetrics, breakers: dict[str, CircuitBreaker]
) -> None:
    metrics.saga_started()
    with TestClient(status_app(breakers, metrics.registry, zeebe_answers)) as client:
        response = client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"] == CONTENT_TYPE_LATEST
    assert "checkout_saga_started_total 1.0" in response.text
