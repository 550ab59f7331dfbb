"""Contracts of the cart's events (topic ``cart.events``), as ``services/cart/domain/events.py``
writes them."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from events.contracts.base import ContractModel, EventPayload, Topic
from events.contracts.fields import Money, Quantity
from events.topics import SERVICE_TOPICS


class ReservedItem(ContractModel):
    """A reserved line, priced when it was reserved: later price changes do not alter it."""

    sku: str
    name: str
    quantity: Quantity
    unit_price: Money
    line_total: Money


class CartReservedV1(EventPayload):
    """A checkout's items are held at these prices; ``provisional_total`` is what they add up to."""

    event_type = "CartReserved"
    schema_version = 1
    checkout_id: str
    customer_id: str
    items: list[ReservedItem]
    provisional_total: Money


class CartReleasedV1(EventPayload):
    """A checkout's reservation was given back by its compensation; ``items`` is what came back."""

    event_type = "CartReleased"
    schema_version = 1
    checkout_id: str
    items: list[ReservedItem]


class CartCheckedOutV1(EventPayload):
    """A checkout's order was created: its reservation stopped holding ``items``, which the order took."""

    event_type = "CartCheckedOut"
    schema_version = 1
    checkout_id: str
    items: list[ReservedItem]


class ProductUpdatedV1(EventPayload):
    """An admin created (``created``) or changed a product: its description as it is now."""

    event_type = "ProductUpdated"
    schema_version = 1
    sku: str
    name: str
    list_price: Money
    max_per_order: Annotated[int, Field(ge=1, le=1000)]
    sellable: bool
    created: bool


TOPIC = Topic(SERVICE_TOPICS["cart"], (CartReservedV1, CartReleasedV1, CartCheckedOutV1, ProductUpdatedV1))
