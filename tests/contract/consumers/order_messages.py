"""The ``order.events`` messages consumer groups declare in their pacts with ``order``.

Shared by every group reading the topic, so that two groups asking for the same event declare the
same example (their handlers read different parts of it).
"""

from __future__ import annotations

from typing import Any

from pact import Pact, match

from tests.contract.pacts import CONTENT_TYPE

ORDER_CREATED = "an OrderCreated event"
ORDER_CANCELLED = "an OrderCancelled event"
CREATED_EVENT_ID = "0b7e2a4c-5d1f-4e8a-9c3b-6f2d8e1a7c40"
CANCELLED_EVENT_ID = "9d4c1e7a-2b8f-4a6d-8e3c-5a1f7b2d9e61"

ISO_MOMENT = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
CURRENCY_CODE = r"^[A-Z]{3}$"


def envelope(event_type: str, event_id: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The envelope ``parse_envelope`` reads. ``source`` and ``occurred_at`` are not used by the
    groups, but the envelope model requires them; ``event_type`` and ``schema_version`` are exact
    because they select the handler and the contract version; ``event_id`` is the service call's
    idempotency key."""
    return {
        "event_id": match.uuid(event_id),
        "event_type": event_type,
        "schema_version": 1,
        "source": match.str("order"),
        "checkout_id": match.str("chk-1"),
        "occurred_at": match.regex("2026-06-01T12:00:00.250000Z", regex=ISO_MOMENT),
        "payload": payload,
    }


def order_payload() -> dict[str, Any]:
    """What every order event carries: the loyalty award sends all of it, the other calls the
    checkout."""
    return {
        "order_id": match.str("ord_1"),
        "checkout_id": match.str("chk-1"),
        "customer_id": match.str("cust-1"),
        "total": {
            "amount_minor": match.int(4282),
            "currency": match.regex("EUR", regex=CURRENCY_CODE),
        },
    }


def order_created_payload() -> dict[str, Any]:
    """``quote_id`` and ``payment_id`` are sent to no service, but ``OrderCreatedV1`` requires them:
    the runner dead-letters an ``OrderCreated`` without them before the handler runs."""
    return {**order_payload(), "quote_id": match.str("q-1"), "payment_id": match.str("pay_1")}


def headers(event_type: str) -> dict[str, object]:
    """The headers the groups' records carry on into their dead letters, where people triage by them."""
    return {"content-type": CONTENT_TYPE, "event-type": event_type}


def declare_order_created(pact: Pact, payload: dict[str, Any]) -> None:
    (
        pact.upon_receiving(ORDER_CREATED, "Async")
        .with_body(envelope("OrderCreated", CREATED_EVENT_ID, payload), content_type=CONTENT_TYPE)
        .with_metadata(headers("OrderCreated"))
    )


def declare_order_cancelled(pact: Pact) -> None:
    (
        pact.upon_receiving(ORDER_CANCELLED, "Async")
        .with_body(envelope("OrderCancelled", CANCELLED_EVENT_ID, order_payload()), content_type=CONTENT_TYPE)
        .with_metadata(headers("OrderCancelled"))
    )
