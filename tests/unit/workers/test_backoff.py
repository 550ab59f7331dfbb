"""Retry back-off: exponential in the attempt, capped, with jitter in the upper half."""

from __future__ import annotations

import random

import pytest

from workers.backoff import attempt_of, backoff_ms


@pytest.mark.parametrize(("attempt", "ceiling"), [(0, 500), (1, 1_000), (2, 2_000), (3, 4_000)])
def test_the_delay_lies_in_the_upper_half_of_an_exponentially_growing_ceiling(
    attempt: int, ceiling: int
) -> None:
    rng = random.Random(7)
    delays = [backoff_ms(attempt, 500, 60_000, rng) for _ in range(200)]

    assert min(delays) >= ceiling // 2
    assert max(delays) <= ceiling


def test_the_delay_never_exceeds_the_cap() -> None:
    rng = random.Random(7)

    assert max(backoff_ms(40, 500, 30_000, rng) for _ in range(200)) <= 30_000


def test_jitter_spreads_the_delays_of_jobs_that_failed_together() -> None:
    rng = random.Random(7)

    assert len({backoff_ms(3, 500, 60_000, rng) for _ in range(50)}) > 10


def test_the_attempt_is_counted_from_the_retries_the_diagram_gave() -> None:
    assert attempt_of(retries_left=5, retries_configured=5) == 0
    assert attempt_of(retries_left=2, retries_configured=5) == 3


def test_more_retries_left_than_configured_counts_as_a_first_attempt() -> None:
    # An operator raised the retries with UpdateJobRetries.
    assert attempt_of(retries_left=9, retries_configured=5) == 0
