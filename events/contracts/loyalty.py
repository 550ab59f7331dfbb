"""Contracts of the loyalty service's events (topic ``loyalty.events``), as
``services/loyalty/domain/events.py`` writes them."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from events.contracts.base import EventPayload, Topic
from events.contracts.fields import Money
from events.topics import SERVICE_TOPICS


class _AwardEvent(EventPayload):
    """Which award, whose, for which checkout's order, how many points."""

    award_id: str
    checkout_id: str
    customer_id: str
    order_id: str
    points: Annotated[int, Field(ge=0)]


class PointsAwardedV1(_AwardEvent):
    """Points credited for a checkout's order; ``amount`` is what the order cost."""

    event_type = "PointsAwarded"
    schema_version = 1
    amount: Money


class PointsRevokedV1(_AwardEvent):
    """An award's points were taken back (its order was cancelled)."""

    event_type = "PointsRevoked"
    schema_version = 1


TOPIC = Topic(SERVICE_TOPICS["loyalty"], (PointsAwardedV1, PointsRevokedV1))
