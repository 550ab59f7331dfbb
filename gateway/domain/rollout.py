"""Which version of the checkout diagram a new checkout starts on: pinned, canary, or latest.

Deploying a diagram makes it the latest version, but a gateway with a pinned version keeps starting
checkouts on the pinned one until the operator shifts traffic: first a canary share to the latest
version, then all of it. Instances already running are never touched: Zeebe runs each instance on
the version it started with to its end.

The canary decision hashes the checkout id, not a random draw, so the same checkout always gets the
same answer: a checkout whose start is retried by the recovery loop (or by another replica) lands on
the version its first attempt chose, as long as the rollout settings did not change in between.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

LATEST_VERSION = -1
"""Zeebe's ``version`` of CreateProcessInstance meaning "the latest deployed version"."""


@dataclass(frozen=True)
class Rollout:
    """``pinned_version``: the version checkouts start on (None: always the latest);
    ``canary_percent``: the share of new checkouts started on the latest version instead."""

    pinned_version: int | None = None
    canary_percent: int = 0

    def __post_init__(self) -> None:
        if self.pinned_version is not None and self.pinned_version < 1:
            raise ValueError("a pinned version is 1 or more")
        if not 0 <= self.canary_percent <= 100:
            raise ValueError("the canary share is a percentage, 0 to 100")

    def version_for(self, checkout_id: str) -> int:
        """The version to ask Zeebe for: the pinned one, or :data:`LATEST_VERSION`."""
        if self.pinned_version is None or canary_bucket(checkout_id) < self.canary_percent:
            return LATEST_VERSION
        return self.pinned_version

    def describe(self) -> str:
        """One line for the start-up log."""
        if self.pinned_version is None:
            return "new checkouts start on the latest diagram version"
        return (
            f"new checkouts start on diagram version {self.pinned_version}, "
            f"{self.canary_percent}% of them on the latest version"
        )


def canary_bucket(checkout_id: str) -> int:
    """A stable number 0-99 for the checkout; a canary share of p% takes the buckets below p."""
    digest = hashlib.sha256(checkout_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100
