"""What callers ask the loyalty service to do, already validated by the entry points."""

from __future__ import annotations

from dataclasses import dataclass

from services.loyalty.domain.model import Purchase


@dataclass(frozen=True)
class AwardPoints:
    checkout_id: str
    purchase: Purchase


@dataclass(frozen=True)
class RevokePoints:
    checkout_id: str
