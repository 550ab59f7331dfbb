"""A circuit breaker per downstream service.

When a service keeps failing, waiting for every call to time out only piles up jobs; an open circuit
makes forward steps fail fast into compensation and compensations retry later, without a call.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass
class CircuitBreaker:
    """Closed → (``failure_threshold`` consecutive failures) → open → (``reset_seconds``) → half-open.

    Half-open lets one trial call through: its success closes the circuit, its failure opens it again.
    Only technical failures count; a business "no" proves the service is up.
    """

    name: str
    failure_threshold: int
    reset_seconds: float
    clock: Callable[[], float] = time.monotonic
    state: BreakerState = BreakerState.CLOSED
    consecutive_failures: int = 0
    opened_at: float | None = None
    trial_in_flight: bool = False
    times_opened: int = field(default=0)

    def allow(self) -> bool:
        """Whether a call may go out now (claims the single trial call when half-open)."""
        if self.state is BreakerState.OPEN and self.retry_in() <= 0:
            self.state = BreakerState.HALF_OPEN
            self.trial_in_flight = False
        if self.state is BreakerState.CLOSED:
            return True
        if self.state is BreakerState.HALF_OPEN and not self.trial_in_flight:
            self.trial_in_flight = True
            return True
        return False

    def record_success(self) -> None:
        self.state = BreakerState.CLOSED
        self.consecutive_failures = 0
        self.opened_at = None
        self.trial_in_flight = False

    def record_failure(self) -> None:
        self.consecutive_failures += 1
        if self.state is BreakerState.HALF_OPEN or self.consecutive_failures >= self.failure_threshold:
            if self.state is not BreakerState.OPEN:
                self.times_opened += 1
            self.state = BreakerState.OPEN
            self.opened_at = self.clock()
            self.trial_in_flight = False

    def abandon_trial(self) -> None:
        """A call that ended without a verdict (cancelled) gives the half-open trial back."""
        self.trial_in_flight = False

    def retry_in(self) -> float:
        """Seconds until an open circuit lets a trial call through (0 when not open)."""
        if self.state is not BreakerState.OPEN or self.opened_at is None:
            return 0.0
        return max(0.0, self.opened_at + self.reset_seconds - self.clock())

    def snapshot(self) -> dict[str, object]:
        """The breaker as operators see it on the status endpoint."""
        return {
            "service": self.name,
            "state": self.state.value,
            "consecutive_failures": self.consecutive_failures,
            "times_opened": self.times_opened,
            "retry_in_seconds": round(self.retry_in(), 3),
        }
