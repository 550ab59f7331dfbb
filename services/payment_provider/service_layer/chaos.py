"""Injected latency and failures, so callers meet a slow, unreliable network before production does.

Draws come from one seeded RNG (``PROVIDER_RANDOM_SEED``): the same seed and request order give the
same failures. An injected failure happens before any work, so it is always safe to retry.
"""

from __future__ import annotations

import asyncio
import random
import threading

from services.common.errors import TemporaryFailure

TEMPORARILY_UNAVAILABLE = "temporarily_unavailable"


class Chaos:
    def __init__(self, latency_ms: int, error_rate: float, seed: int) -> None:
        self._latency_s = latency_ms / 1000
        self._error_rate = error_rate
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    def _fails(self) -> bool:
        with self._lock:
            return self._rng.random() < self._error_rate

    async def before_request(self) -> None:
        """Wait the configured latency, then fail with a 503 at the configured rate."""
        if self._latency_s > 0:
            await asyncio.sleep(self._latency_s)
        if self._error_rate > 0 and self._fails():
            raise TemporaryFailure(TEMPORARILY_UNAVAILABLE, "injected failure (PROVIDER_ERROR_RATE); retry")
