"""The workers' Prometheus metrics, served on the status endpoint's ``/metrics``.

The workers are where a saga's outcome is known, so they count sagas and steps: a checkout's saga is
started and ended by the diagram's ``saga.*`` jobs, and every step's job runs here. Labels stay low in
cardinality (step, outcome, job type, downstream service): never a checkout id.

Each :class:`WorkerMetrics` has its own registry, so several worker apps in one process (tests) do
not collide on prometheus_client's global one.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from enum import StrEnum

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from workers.breaker import BreakerState, CircuitBreaker
from workers.failures import BusinessFailure, CircuitOpen

SAGA_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 7.5, 10.0, 15.0, 30.0, 60.0, 120.0)
"""Seconds; 5 s (the saga latency alert's threshold) is a bucket boundary, so its p99 is exact there."""
STEP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class SagaOutcome(StrEnum):
    COMPLETED = "completed"
    COMPENSATED = "compensated"
    FAILED = "failed"
    """Stuck in an incident: a compensation ran out of retries. Resolving it may complete the
    checkout later, which is then counted once more, as compensated."""


class StepOutcome(StrEnum):
    SUCCESS = "success"
    BUSINESS_FAILURE = "business_failure"
    """The service said no (or its circuit is open): the checkout compensates."""
    TECHNICAL_FAILURE = "technical_failure"
    """The call failed: the job is retried with back-off, and raises an incident when out of retries."""


def step_outcome(failure: Exception | None) -> StepOutcome:
    """How the forward steps' exception handler will treat ``failure`` (None: the step succeeded)."""
    if failure is None:
        return StepOutcome.SUCCESS
    if isinstance(failure, BusinessFailure | CircuitOpen):
        return StepOutcome.BUSINESS_FAILURE
    return StepOutcome.TECHNICAL_FAILURE


class _BreakerCollector(Collector):
    """The breakers' states read at scrape time: one series per downstream and state, 1 for the
    state it is in (the state-set convention), so ``== 1`` on ``state="open"`` finds open circuits."""

    def __init__(self, breakers: Mapping[str, CircuitBreaker]) -> None:
        self._breakers = breakers

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "checkout_circuit_breaker_state",
            "Circuit breaker of each downstream service: 1 for the state it is in.",
            labels=["downstream", "state"],
        )
        for name, breaker in self._breakers.items():
            for state in BreakerState:
                family.add_metric([name, state.value], 1.0 if breaker.state is state else 0.0)
        yield family


class WorkerMetrics:
    def __init__(self, breakers: Mapping[str, CircuitBreaker], job_timeout_ms: int) -> None:
        self.registry = CollectorRegistry()
        self._job_timeout_s = job_timeout_ms / 1000
        self.sagas_started = Counter(
            "checkout_saga_started", "Checkout sagas started.", registry=self.registry
        )
        self.sagas_ended = Counter(
            "checkout_saga_ended", "Checkout sagas ended, by outcome.", ["outcome"], registry=self.registry
        )
        self.saga_duration = Histogram(
            "checkout_saga_duration_seconds",
            "From the saga's start to its end, by outcome.",
            ["outcome"],
            buckets=SAGA_BUCKETS,
            registry=self.registry,
        )
        self.steps = Counter(
            "checkout_step_runs",
            "Runs of forward steps, by outcome.",
            ["step", "outcome"],
            registry=self.registry,
        )
        self.step_duration = Histogram(
            "checkout_step_duration_seconds",
            "Time a forward step's run took (the service call included), by outcome.",
            ["step", "outcome"],
            buckets=STEP_BUCKETS,
            registry=self.registry,
        )
        self.compensations = Counter(
            "checkout_step_compensations",
            "Runs of compensation handlers, by the forward step they undo and outcome (success or failure).",
            ["step", "outcome"],
            registry=self.registry,
        )
        self.jobs = Histogram(
            "zeebe_job_activation_to_completion_seconds",
            "From the job's activation by the engine to the end of its handling in this worker.",
            ["job_type"],
            buckets=STEP_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_BreakerCollector(breakers))
        # Every series exists from the start at 0: rate() ignores the sample that creates a series,
        # so a first compensation would otherwise be invisible to the compensation-rate alert.
        for outcome in SagaOutcome:
            self.sagas_ended.labels(outcome.value)
            self.saga_duration.labels(outcome.value)

    def declare_step(self, step: str) -> None:
        """Start ``step``'s series at 0 (see above): called as the step's task is registered."""
        for outcome in StepOutcome:
            self.steps.labels(step, outcome.value)

    def declare_compensation(self, step: str) -> None:
        for outcome in ("success", "failure"):
            self.compensations.labels(step, outcome)

    def saga_started(self) -> None:
        self.sagas_started.inc()

    def saga_ended(self, outcome: SagaOutcome, started_at_ms: object) -> None:
        """``started_at_ms`` is the ``sagaStartedAt`` variable; a saga started before it existed
        (or with a bad value) is counted without a duration."""
        self.sagas_ended.labels(outcome.value).inc()
        if isinstance(started_at_ms, int | float) and not isinstance(started_at_ms, bool):
            self.saga_duration.labels(outcome.value).observe(max(0.0, time.time() - started_at_ms / 1000))

    def step_ran(self, step: str, outcome: StepOutcome, seconds: float) -> None:
        self.steps.labels(step, outcome.value).inc()
        self.step_duration.labels(step, outcome.value).observe(seconds)

    def compensation_ran(self, step: str, succeeded: bool) -> None:
        self.compensations.labels(step, "success" if succeeded else "failure").inc()

    def job_handled(self, job_type: str, deadline_ms: int) -> None:
        """The engine sets a job's deadline to its activation time plus the timeout the worker asked
        for (the same for every task here), so the activation time needs no clock of the worker's."""
        activated_at = deadline_ms / 1000 - self._job_timeout_s
        self.jobs.labels(job_type).observe(max(0.0, time.time() - activated_at))
