"""What Zeebe hears when a step's function raises: a BPMN error for a business "no" or an open circuit
(forward steps only), otherwise a FailJob whose ``retryBackOff`` grows with the attempt, has jitter and
honours a service's Retry-After."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from pyzeebe import Job, JobController
from pyzeebe.task.exception_handler import ExceptionHandler

from tests.jobs import job
from tests.unit.workers.built import saga_events
from workers.failures import BusinessFailure, CircuitOpen, TechnicalFailure
from workers.metrics import WorkerMetrics
from workers.outcomes import RetryPolicy, compensation_handler, forward_step_handler

POLICY = RetryPolicy(retries=5, base_ms=1_000, max_ms=60_000, hold_ms=2_000)


class RecordingController(JobController):
    """pyzeebe's job controller, answering nothing to Zeebe: it records what the handler decided."""

    def __init__(self, job: Job) -> None:
        super().__init__(job, zeebe_adapter=None)  # type: ignore[arg-type]  # never called
        self.failures: list[tuple[str, int]] = []
        self.errors: list[tuple[str, dict[str, Any] | None]] = []

    async def set_failure_status(
        self, message: str, retry_back_off_ms: int = 0, variables: dict[str, Any] | None = None
    ) -> None:
        self.failures.append((message, retry_back_off_ms))

    async def set_error_status(
        self, message: str, error_code: str = "", variables: dict[str, Any] | None = None
    ) -> None:
        self.errors.append((error_code, variables))


@pytest.fixture
def metrics() -> WorkerMetrics:
    return WorkerMetrics({}, job_timeout_ms=30_000)


@pytest.fixture
def forward(tmp_path: Path, metrics: WorkerMetrics) -> ExceptionHandler:
    return forward_step_handler(POLICY, saga_events(tmp_path), metrics)


@pytest.fixture
def compensation(tmp_path: Path, metrics: WorkerMetrics) -> ExceptionHandler:
    return compensation_handler(POLICY, saga_events(tmp_path), metrics)


def handled(handler: ExceptionHandler, failure: Exception, retries: int) -> RecordingController:
    failed = job("payment.capture", retries=retries)
    controller = RecordingController(failed)
    asyncio.run(handler(failure, failed, controller))
    return controller


def test_a_technical_failure_fails_the_job_with_a_back_off_that_grows_with_the_attempt(
    forward: ExceptionHandler,
) -> None:
    # Five retries configured: with 5 left this is the first failure (ceiling 1 s), with 2 left the
    # fourth (ceiling 8 s); the jitter keeps each back-off between half its ceiling and the ceiling.
    first = [handled(forward, TechnicalFailure("timeout"), retries=5).failures[0][1] for _ in range(50)]
    fourth = [handled(forward, TechnicalFailure("timeout"), retries=2).failures[0][1] for _ in range(50)]

    assert all(500 <= delay <= 1_000 for delay in first)
    assert all(4_000 <= delay <= 8_000 for delay in fourth)
    assert len(set(fourth)) > 1


def test_a_service_asking_to_retry_later_is_not_called_again_sooner(
    forward: ExceptionHandler,
) -> None:

    controller = handled(forward, TechnicalFailure("503", retry_after_seconds=30), retries=5)

    assert controller.failures[0][1] == 30_000
    assert controller.errors == []


def test_a_business_failure_of_a_forward_step_throws_its_code_as_a_bpmn_error(
    forward: ExceptionHandler,
) -> None:

    controller = handled(forward, BusinessFailure("PAYMENT_DECLINED", "declined"), retries=5)

    assert controller.errors == [
        ("PAYMENT_DECLINED", {"errorCode": "PAYMENT_DECLINED", "errorMessage": "declined"})
    ]
    assert controller.failures == []


def test_an_open_circuit_throws_service_unavailable_without_waiting_for_retries(
    forward: ExceptionHandler,
) -> None:

    controller = handled(forward, CircuitOpen("order"), retries=5)

    assert [code for code, _ in controller.errors] == ["SERVICE_UNAVAILABLE"]
    assert controller.failures == []


def test_a_compensation_never_throws_but_fails_with_back_off_even_for_a_business_failure(
    compensation: ExceptionHandler,
) -> None:

    controller = handled(compensation, BusinessFailure("REFUND_REFUSED", "no"), retries=5)

    assert controller.errors == []
    assert [500 <= delay <= 1_000 for _, delay in controller.failures] == [True]
