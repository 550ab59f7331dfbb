"""Looking contracts up by (event type, version), their topics, and parsing payloads with them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from events.contracts.base import EventPayload, Topic
from events.contracts.order import OrderCreatedV1
from events.contracts.registry import (
    REGISTRY,
    ContractError,
    InvalidPayload,
    Registry,
    UnknownEventType,
    UnknownSchemaVersion,
    parse,
)
from events.contracts.saga import StepCompletedV1
from tests.unit.events.contracts.widgets import WidgetMadeV1, WidgetMadeV2, WidgetMadeV3


def order_created(**changes: Any) -> dict[str, Any]:
    return {
        "order_id": "ord_1",
        "checkout_id": "chk-1",
        "customer_id": "cust-1",
        "total": {"amount_minor": 4282, "currency": "EUR"},
        "quote_id": "q-1",
        "payment_id": "pay_1",
        **changes,
    }


def step_completed(occurred_at: object) -> dict[str, Any]:
    return {
        "checkout_id": "chk-1",
        "process_instance_key": 2251799813685249,
        "step": "cart.reserve",
        "occurred_at": occurred_at,
    }


def test_an_event_type_and_version_resolve_to_their_model() -> None:
    assert REGISTRY.contract("OrderCreated", 1) is OrderCreatedV1


@pytest.mark.parametrize(
    ("event_type", "topic"),
    [
        ("CartReserved", "cart.events"),
        ("PriceQuoted", "pricing.events"),
        ("PaymentCaptured", "payment.events"),
        ("StockAllocated", "inventory.events"),
        ("OrderCreated", "order.events"),
        ("PointsAwarded", "loyalty.events"),
        ("CheckoutCompensated", "checkout.saga"),
    ],
)
def test_an_event_type_goes_to_its_producers_topic(event_type: str, topic: str) -> None:
    assert REGISTRY.topic_of(event_type) == topic


def test_the_saga_topic_carries_the_seven_lifecycle_events() -> None:
    on_saga = {
        c.event_type for c in REGISTRY.contracts() if REGISTRY.topic_of(c.event_type) == "checkout.saga"
    }

    assert on_saga == {
        "CheckoutStarted",
        "StepCompleted",
        "CompensationStarted",
        "StepCompensated",
        "CheckoutCompleted",
        "CheckoutCompensated",
        "CheckoutFailed",
    }


def test_contracts_are_listed_by_topic_then_event_type_then_version() -> None:
    registry = Registry(
        [Topic("z.events", (WidgetMadeV2, WidgetMadeV1)), Topic("a.events", (OrderCreatedV1,))]
    )

    assert registry.contracts() == [OrderCreatedV1, WidgetMadeV1, WidgetMadeV2]


def test_parse_returns_the_contracts_model_holding_the_payload() -> None:
    parsed = parse("OrderCreated", 1, order_created())

    assert isinstance(parsed, OrderCreatedV1)
    assert (parsed.order_id, parsed.total.amount_minor, parsed.total.currency) == ("ord_1", 4282, "EUR")


def test_parse_keeps_a_field_a_newer_producer_added_within_the_version() -> None:
    parsed = parse("OrderCreated", 1, order_created(channel="web"))

    assert parsed.model_extra == {"channel": "web"}


def test_a_parsed_payload_cannot_be_changed() -> None:
    parsed = parse("OrderCreated", 1, order_created())
    assert isinstance(parsed, OrderCreatedV1)

    with pytest.raises(ValidationError):
        parsed.order_id = "ord_2"  # type: ignore[misc]


def test_an_unknown_event_type_is_refused_naming_it() -> None:
    with pytest.raises(UnknownEventType, match="'OrderShipped'"):
        parse("OrderShipped", 1, {})


def test_an_unknown_version_is_refused_listing_the_registered_ones() -> None:
    with pytest.raises(UnknownSchemaVersion, match=r"OrderCreated has no schema version 2 \(registered: 1\)"):
        parse("OrderCreated", 2, order_created())


def test_the_topic_of_an_unknown_event_type_is_refused() -> None:
    with pytest.raises(UnknownEventType):
        REGISTRY.topic_of("OrderShipped")


def test_an_invalid_payload_names_each_field_and_rule_but_not_the_values() -> None:
    payload = order_created(customer_id=["alice@example.com"])
    del payload["quote_id"]

    with pytest.raises(InvalidPayload) as raised:
        parse("OrderCreated", 1, payload)

    assert raised.value.problems == [
        "customer_id: Input should be a valid string",
        "quote_id: Field required",
    ]
    assert "OrderCreated v1 payload breaks its contract" in str(raised.value)
    assert "alice" not in str(raised.value)


@pytest.mark.parametrize(
    "amount", ["4282", 42.82, 4282.0, True], ids=["string", "float", "whole float", "bool"]
)
def test_an_amount_that_is_not_an_int_is_refused_not_coerced(amount: object) -> None:
    with pytest.raises(InvalidPayload, match=r"total\.amount_minor"):
        parse("OrderCreated", 1, order_created(total={"amount_minor": amount, "currency": "EUR"}))


def test_a_currency_that_is_not_iso_4217_is_refused() -> None:
    with pytest.raises(InvalidPayload, match=r"total\.currency"):
        parse("OrderCreated", 1, order_created(total={"amount_minor": 1, "currency": "EUX"}))


def test_a_payload_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InvalidPayload, match=r"\(payload\)"):
        parse("OrderCreated", 1, ["ord_1"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "moment",
    ["2026-06-01T12:00:00Z", "2026-06-01T14:00:00+02:00", datetime(2026, 6, 1, 12, tzinfo=UTC)],
    ids=["iso utc", "iso offset", "datetime"],
)
def test_a_moment_is_an_iso_string_or_a_datetime(moment: object) -> None:
    parsed = parse("StepCompleted", 1, step_completed(moment))

    assert isinstance(parsed, StepCompletedV1)
    assert parsed.occurred_at == datetime(2026, 6, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    "moment", ["2026-06-01T12:00:00", 1780315200, 1780315200.0], ids=["no time zone", "int", "float"]
)
def test_a_moment_without_time_zone_or_as_a_number_is_refused(moment: object) -> None:
    with pytest.raises(InvalidPayload, match="occurred_at"):
        parse("StepCompleted", 1, step_completed(moment))


@pytest.mark.parametrize(
    ("event_type", "version", "payload"),
    [("OrderShipped", 1, order_created()), ("OrderCreated", 2, order_created()), ("OrderCreated", 1, {})],
    ids=["unknown type", "unknown version", "invalid payload"],
)
def test_every_refusal_is_a_contract_error_a_consumer_can_catch_at_once(
    event_type: str, version: int, payload: dict[str, Any]
) -> None:
    with pytest.raises(ContractError):
        parse(event_type, version, payload)


def test_a_version_registered_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="WidgetMade v1 is registered twice"):
        Registry([Topic("a.events", (WidgetMadeV1,)), Topic("a.events", (WidgetMadeV1,))])


def test_an_event_type_on_two_topics_is_refused() -> None:
    with pytest.raises(ValueError, match=r"WidgetMade is registered on a\.events and b\.events"):
        Registry([Topic("a.events", (WidgetMadeV1,)), Topic("b.events", (WidgetMadeV2,))])


@pytest.mark.parametrize(
    "contracts", [(WidgetMadeV1, WidgetMadeV3), (WidgetMadeV2, WidgetMadeV3)], ids=["gap", "no v1"]
)
def test_versions_that_do_not_run_from_1_without_gaps_are_refused(
    contracts: tuple[type[EventPayload], ...],
) -> None:
    with pytest.raises(ValueError, match=r"they must run 1, 2, \.\.\. N"):
        Registry([Topic("a.events", contracts)])
