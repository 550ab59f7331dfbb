"""The JSON documents the inventory answers with (also its OpenAPI response schemas)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from services.common.audit import AuditOutcome
from services.inventory.domain.model import Allocation, AllocationLine, AllocationStatus, StockItem


class StockView(BaseModel):
    sku: str
    location: str
    on_hand: int
    allocated: int
    received: int

    @classmethod
    def of(cls, item: StockItem) -> StockView:
        return cls(
            sku=item.sku,
            location=item.location,
            on_hand=item.on_hand,
            allocated=item.allocated,
            received=item.received,
        )


class AllocatedItemView(BaseModel):
    sku: str
    quantity: int
    location: str

    @classmethod
    def of(cls, line: AllocationLine) -> AllocatedItemView:
        return cls(sku=line.sku, quantity=line.quantity, location=line.location)


class AllocationView(BaseModel):
    checkout_id: str
    status: AllocationStatus
    items: list[AllocatedItemView]
    created_at: datetime | None
    released_at: datetime | None

    @classmethod
    def of(cls, allocation: Allocation) -> AllocationView:
        return cls(
            checkout_id=allocation.checkout_id,
            status=allocation.status,
            items=[AllocatedItemView.of(line) for line in allocation.lines],
            created_at=allocation.created_at,
            released_at=allocation.released_at,
        )


class ReleaseView(BaseModel):
    """What a release did: ``outcome`` says whether stock moved, ``released`` what came back."""

    checkout_id: str
    status: AllocationStatus
    outcome: AuditOutcome
    released: list[AllocatedItemView]

    @classmethod
    def of(cls, checkout_id: str, outcome: AuditOutcome, lines: Sequence[AllocationLine]) -> ReleaseView:
        return cls(
            checkout_id=checkout_id,
            status=AllocationStatus.RELEASED,
            outcome=outcome,
            released=[AllocatedItemView.of(line) for line in lines],
        )


def body(view: BaseModel) -> dict[str, Any]:
    return view.model_dump(mode="json")
