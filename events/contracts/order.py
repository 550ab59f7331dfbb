"""Contracts of the order service's events (topic ``order.events``), as
``services/order/domain/events.py`` writes them.

``OrderCreated`` is what loyalty awards points on, ``FulfilmentRequested`` what starts fulfilment,
``OrderCancelled`` what revokes both. The block-list events carry no checkout id.
"""

from __future__ import annotations

from events.contracts.base import ContractModel, EventPayload, Topic
from events.contracts.fields import Money, Quantity
from events.topics import SERVICE_TOPICS


class _OrderEvent(EventPayload):
    """Which order, of which checkout, whose."""

    order_id: str
    checkout_id: str
    customer_id: str


class OrderCreatedV1(_OrderEvent):
    """A checkout's order was placed; ``total`` is what it charged (loyalty's purchase amount)."""

    event_type = "OrderCreated"
    schema_version = 1
    total: Money
    quote_id: str
    payment_id: str


class FulfilmentItem(ContractModel):
    """Pick ``quantity`` units of ``sku`` at ``location``, where inventory allocated them."""

    sku: str
    quantity: Quantity
    location: str


class FulfilmentRequestedV1(_OrderEvent):
    """Pick and ship the order."""

    event_type = "FulfilmentRequested"
    schema_version = 1
    items: list[FulfilmentItem]


class OrderCancelledV1(_OrderEvent):
    """The checkout's order was cancelled by its compensation; ``total`` is what ``OrderCreated``
    said."""

    event_type = "OrderCancelled"
    schema_version = 1
    total: Money


class CustomerBlockedV1(EventPayload):
    """An admin put the customer on the block list, or changed the reason."""

    event_type = "CustomerBlocked"
    schema_version = 1
    customer_id: str
    reason: str


class CustomerUnblockedV1(EventPayload):
    """An admin took the customer off the block list."""

    event_type = "CustomerUnblocked"
    schema_version = 1
    customer_id: str


TOPIC = Topic(
    SERVICE_TOPICS["order"],
    (OrderCreatedV1, FulfilmentRequestedV1, OrderCancelledV1, CustomerBlockedV1, CustomerUnblockedV1),
)
