"""Domain events of the inventory, written to the outbox with the change that caused them.

Each has a type name and a schema version; payloads only grow compatible fields within a version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from services.inventory.domain.model import AllocationLine


def _lines(lines: Sequence[AllocationLine]) -> list[dict[str, Any]]:
    return [{"sku": line.sku, "quantity": line.quantity, "location": line.location} for line in lines]


@dataclass(frozen=True)
class StockAllocated:
    event_type: ClassVar[str] = "StockAllocated"
    schema_version: ClassVar[int] = 1
    checkout_id: str
    lines: tuple[AllocationLine, ...]

    def payload(self) -> dict[str, Any]:
        return {"checkout_id": self.checkout_id, "items": _lines(self.lines)}


@dataclass(frozen=True)
class StockReleased:
    event_type: ClassVar[str] = "StockReleased"
    schema_version: ClassVar[int] = 1
    checkout_id: str
    lines: tuple[AllocationLine, ...]

    def payload(self) -> dict[str, Any]:
        return {"checkout_id": self.checkout_id, "items": _lines(self.lines)}


@dataclass(frozen=True)
class StockLevelSet:
    """An admin set a SKU's on-hand quantity (``received_delta`` is the receipt that recorded)."""

    event_type: ClassVar[str] = "StockLevelSet"
    schema_version: ClassVar[int] = 1
    sku: str
    location: str
    on_hand: int
    allocated: int
    received: int
    received_delta: int

    @property
    def checkout_id(self) -> str | None:
        return None

    def payload(self) -> dict[str, Any]:
        return {
            "sku": self.sku,
            "location": self.location,
            "on_hand": self.on_hand,
            "allocated": self.allocated,
            "received": self.received,
            "received_delta": self.received_delta,
        }
