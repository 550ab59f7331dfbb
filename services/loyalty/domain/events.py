"""Domain events of the loyalty service, written to the outbox with the change that caused them.

Each has a type name and a schema version; payloads only grow compatible fields within a version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from services.loyalty.domain.model import Award


@dataclass(frozen=True)
class _AwardEvent:
    """What every award event says: which award, whose, for which order, how many points."""

    award: Award

    @property
    def checkout_id(self) -> str:
        return self.award.checkout_id

    def payload(self) -> dict[str, Any]:
        return {
            "award_id": self.award.award_id,
            "checkout_id": self.award.checkout_id,
            "customer_id": self.award.purchase.customer_id,
            "order_id": self.award.purchase.order_id,
            "points": self.award.points,
        }


@dataclass(frozen=True)
class PointsAwarded(_AwardEvent):
    """Points credited for a checkout's order; ``amount`` is what the order cost."""

    event_type: ClassVar[str] = "PointsAwarded"
    schema_version: ClassVar[int] = 1

    def payload(self) -> dict[str, Any]:
        amount = self.award.purchase.amount
        return {
            **super().payload(),
            "amount": {"amount_minor": amount.amount_minor, "currency": amount.currency},
        }


@dataclass(frozen=True)
class PointsRevoked(_AwardEvent):
    """An award's points taken back (its order was cancelled)."""

    event_type: ClassVar[str] = "PointsRevoked"
    schema_version: ClassVar[int] = 1
