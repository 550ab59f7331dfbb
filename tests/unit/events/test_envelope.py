"""The record format: envelope in the value, routing facts and trace context in the headers."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime

import pytest

from events.envelope import Envelope, NotAnEnvelope, fallback_traceparent, parse_envelope, to_record

TRACEPARENT = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")


def envelope(checkout_id: str | None = "chk-1") -> Envelope:
    return Envelope(
        event_id=uuid.UUID("0b5a4c38-5f63-4a5e-9d1e-3f0f3c1f7a10"),
        event_type="OrderCreated",
        schema_version=1,
        source="order",
        checkout_id=checkout_id,
        occurred_at=datetime(2026, 11, 27, 0, 0, tzinfo=UTC),
        payload={"order_id": "ord-1"},
    )


def test_a_record_round_trips_through_its_value() -> None:
    record = to_record("order.events", envelope())
    assert parse_envelope(record.value) == envelope()


def test_strings_that_need_escaping_round_trip_through_the_value() -> None:
    awkward = envelope('chk-"quoted"\\back\nline-é')
    assert parse_envelope(to_record("order.events", awkward).value) == awkward


def test_the_value_is_the_envelope_as_json() -> None:
    assert json.loads(to_record("order.events", envelope()).value) == {
        "event_id": "0b5a4c38-5f63-4a5e-9d1e-3f0f3c1f7a10",
        "event_type": "OrderCreated",
        "schema_version": 1,
        "source": "order",
        "checkout_id": "chk-1",
        "occurred_at": "2026-11-27T00:00:00+00:00",
        "payload": {"order_id": "ord-1"},
    }


def test_an_event_of_no_checkout_has_a_null_checkout_id() -> None:
    assert json.loads(to_record("order.events", envelope(None)).value)["checkout_id"] is None


def test_a_record_is_keyed_by_its_checkout() -> None:
    assert to_record("order.events", envelope("chk-9")).key == "chk-9"


def test_headers_name_the_event_its_version_and_its_checkout() -> None:
    headers = to_record("order.events", envelope()).headers
    assert headers["event-id"] == "0b5a4c38-5f63-4a5e-9d1e-3f0f3c1f7a10"
    assert headers["event-type"] == "OrderCreated"
    assert headers["schema-version"] == "1"
    assert headers["content-type"] == "application/json"
    assert headers["correlation-id"] == "chk-1"
    assert headers["source"] == "order"


def test_the_stored_trace_context_travels_in_the_headers() -> None:
    stored = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    assert to_record("order.events", envelope(), stored).headers["traceparent"] == stored


def test_an_event_written_outside_a_trace_gets_a_valid_stable_traceparent() -> None:
    first = to_record("order.events", envelope()).headers["traceparent"]
    assert TRACEPARENT.match(first)
    assert first == fallback_traceparent(str(envelope().event_id))
    assert first.startswith(f"00-{envelope().event_id.hex}-")
    assert first.endswith("-00")  # not sampled: nobody recorded that trace


def test_a_value_that_is_not_an_envelope_is_refused_without_echoing_it() -> None:
    with pytest.raises(NotAnEnvelope) as refused:
        parse_envelope(b'{"event_type": "secret-card-4111111111111111"}')
    assert "4111" not in str(refused.value)
    assert "event_id" in str(refused.value)


def test_bytes_that_are_not_json_are_refused() -> None:
    with pytest.raises(NotAnEnvelope):
        parse_envelope(b"\x00\x01 not json")


def test_an_envelope_field_this_consumer_does_not_know_yet_is_ignored() -> None:
    value = envelope().model_dump(mode="json") | {"partition_hint": 3}
    assert parse_envelope(json.dumps(value).encode()) == envelope()
