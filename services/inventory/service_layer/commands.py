"""What callers ask the inventory to do, already validated by the entry points."""

from __future__ import annotations

from dataclasses import dataclass

from services.inventory.domain.model import OrderLine


@dataclass(frozen=True)
class SetStock:
    sku: str
    on_hand: int
    location: str


@dataclass(frozen=True)
class AllocateStock:
    checkout_id: str
    lines: tuple[OrderLine, ...]


@dataclass(frozen=True)
class ReleaseStock:
    checkout_id: str
