"""Retry back-off for failed jobs: exponential in the attempt number, with jitter.

The jitter spreads the retries of many checkouts that failed together (a service restart), so they do
not all come back in the same instant.
"""

from __future__ import annotations

import random

_RANDOM = random.Random()


def backoff_ms(attempt: int, base_ms: int, max_ms: int, rng: random.Random = _RANDOM) -> int:
    """``attempt`` 0 is the first retry: half of min(cap, base·2^attempt) plus up to the other half."""
    ceiling = min(max_ms, base_ms << min(max(0, attempt), 32))
    half = ceiling // 2
    return half + rng.randint(0, ceiling - half)


def attempt_of(retries_left: int, retries_configured: int) -> int:
    """How many times the job already failed, from the retries Zeebe still allows."""
    return max(0, retries_configured - retries_left)
