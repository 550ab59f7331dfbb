"""Contracts of the inventory's events (topic ``inventory.events``), as
``services/inventory/domain/events.py`` writes them."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from events.contracts.base import ContractModel, EventPayload, Topic
from events.contracts.fields import Quantity
from events.topics import SERVICE_TOPICS

Count = Annotated[int, Field(ge=0)]


class AllocatedItem(ContractModel):
    """``quantity`` units of ``sku`` held at warehouse ``location``."""

    sku: str
    quantity: Quantity
    location: str


class StockAllocatedV1(EventPayload):
    """A checkout's items were taken from free stock, all of them (allocation is all or nothing)."""

    event_type = "StockAllocated"
    schema_version = 1
    checkout_id: str
    items: list[AllocatedItem]


class StockReleasedV1(EventPayload):
    """A checkout's allocation was given back by its compensation; ``items`` is what came back."""

    event_type = "StockReleased"
    schema_version = 1
    checkout_id: str
    items: list[AllocatedItem]


class StockLevelSetV1(EventPayload):
    """An admin counted a SKU's free stock. ``on_hand + allocated == received`` holds;
    ``received_delta`` is the receipt the count recorded (negative for a write-off)."""

    event_type = "StockLevelSet"
    schema_version = 1
    sku: str
    location: str
    on_hand: Count
    allocated: Count
    received: Count
    received_delta: int


TOPIC = Topic(SERVICE_TOPICS["inventory"], (StockAllocatedV1, StockReleasedV1, StockLevelSetV1))
