"""The JSON documents the cart answers with (also its OpenAPI response schemas)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from services.cart.domain.model import (
    CheckOutOutcome,
    Product,
    Reservation,
    ReservationStatus,
    ReservedItem,
)
from services.common.api_types import MoneyModel
from services.common.audit import AuditOutcome


class ProductView(BaseModel):
    """A product; ``reserved_quantity`` is what the checkouts' reservations hold of it right now."""

    sku: str
    name: str
    list_price: MoneyModel
    max_per_order: int
    sellable: bool
    reserved_quantity: int

    @classmethod
    def of(cls, product: Product) -> ProductView:
        return cls(
            sku=product.sku,
            name=product.name,
            list_price=MoneyModel.of(product.list_price),
            max_per_order=product.max_per_order,
            sellable=product.sellable,
            reserved_quantity=product.reserved_quantity,
        )


class ReservedItemView(BaseModel):
    sku: str
    name: str
    quantity: int
    unit_price: MoneyModel
    line_total: MoneyModel

    @classmethod
    def of(cls, item: ReservedItem) -> ReservedItemView:
        return cls(
            sku=item.sku,
            name=item.name,
            quantity=item.quantity,
            unit_price=MoneyModel.of(item.unit_price),
            line_total=MoneyModel.of(item.line_total),
        )


class ReservationView(BaseModel):
    """A checkout's reservation. A tombstone (released before anything was reserved) has no customer,
    no items, no total and no ``reserved_at``."""

    checkout_id: str
    customer_id: str | None
    status: ReservationStatus
    items: list[ReservedItemView]
    provisional_total: MoneyModel | None
    reserved_at: datetime | None
    released_at: datetime | None
    checked_out_at: datetime | None

    @classmethod
    def of(cls, reservation: Reservation) -> ReservationView:
        total = reservation.provisional_total
        return cls(
            checkout_id=reservation.checkout_id,
            customer_id=reservation.customer_id,
            status=reservation.status,
            items=[ReservedItemView.of(item) for item in reservation.items],
            provisional_total=None if total is None else MoneyModel.of(total),
            reserved_at=reservation.reserved_at,
            released_at=reservation.released_at,
            checked_out_at=reservation.checked_out_at,
        )


class ReleaseView(BaseModel):
    """What a release did: ``outcome`` says whether anything was held, ``released`` what came back."""

    checkout_id: str
    status: ReservationStatus
    outcome: AuditOutcome
    released: list[ReservedItemView]

    @classmethod
    def of(cls, checkout_id: str, outcome: AuditOutcome, items: Sequence[ReservedItem]) -> ReleaseView:
        return cls(
            checkout_id=checkout_id,
            status=ReservationStatus.RELEASED,
            outcome=outcome,
            released=[ReservedItemView.of(item) for item in items],
        )


class CheckOutView(BaseModel):
    """What a check-out found; ``items`` are the reservation's lines (given back only when ``outcome``
    is ``CHECKED_OUT``)."""

    checkout_id: str
    status: ReservationStatus
    outcome: CheckOutOutcome
    items: list[ReservedItemView]

    @classmethod
    def of(cls, reservation: Reservation, outcome: CheckOutOutcome) -> CheckOutView:
        return cls(
            checkout_id=reservation.checkout_id,
            status=reservation.status,
            outcome=outcome,
            items=[ReservedItemView.of(item) for item in reservation.items],
        )


def body(view: BaseModel) -> dict[str, Any]:
    return view.model_dump(mode="json")
