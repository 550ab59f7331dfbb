"""The circuit breaker: closed, open after consecutive failures, one trial call when half-open."""

from __future__ import annotations

from workers.breaker import BreakerState, CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def breaker(clock: Clock, threshold: int = 3, reset: float = 10.0) -> CircuitBreaker:
    return CircuitBreaker("cart", threshold, reset, clock=clock)


def test_a_new_breaker_is_closed_and_lets_calls_through() -> None:
    b = breaker(Clock())

    assert b.allow()
    assert b.state is BreakerState.CLOSED


def test_it_opens_after_the_threshold_of_consecutive_failures() -> None:
    b = breaker(Clock(), threshold=3)
    for _ in range(3):
        b.record_failure()

    assert b.state is BreakerState.OPEN
    assert not b.allow()


def test_a_success_resets_the_count_of_consecutive_failures() -> None:
    b = breaker(Clock(), threshold=3)
    b.record_failure()
    b.record_failure()
    b.record_success()
    b.record_failure()

    assert b.state is BreakerState.CLOSED


def test_after_the_reset_time_it_lets_exactly_one_trial_call_through() -> None:
    clock = Clock()
    b = breaker(clock, threshold=1, reset=10.0)
    b.record_failure()
    clock.now += 10.0

    assert b.allow()
    assert b.state is BreakerState.HALF_OPEN
    assert not b.allow()


def test_a_successful_trial_closes_the_circuit() -> None:
    clock = Clock()
    b = breaker(clock, threshold=1)
    b.record_failure()
    clock.now += 10.0
    b.allow()
    b.record_success()

    assert b.state is BreakerState.CLOSED
    assert b.allow()


def test_a_failed_trial_opens_the_circuit_again_for_a_full_reset_time() -> None:
    clock = Clock()
    b = breaker(clock, threshold=3, reset=10.0)
    for _ in range(3):
        b.record_failure()
    clock.now += 10.0
    b.allow()
    b.record_failure()

    assert b.state is BreakerState.OPEN
    assert b.retry_in() == 10.0
    assert b.times_opened == 2


def test_the_snapshot_shows_what_operators_need() -> None:
    clock = Clock()
    b = breaker(clock, threshold=1, reset=10.0)
    b.record_failure()
    clock.now += 4.0

    assert b.snapshot() == {
        "service": "cart",
        "state": "open",
        "consecutive_failures": 1,
        "times_opened": 1,
        "retry_in_seconds": 6.0,
    }


def test_an_abandoned_trial_call_lets_the_next_one_try() -> None:
    clock = Clock()
    b = breaker(clock, threshold=1)
    b.record_failure()
    clock.now += 10.0
    b.allow()
    b.abandon_trial()

    assert b.allow()
