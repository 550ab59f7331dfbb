"""The record format on every topic: JSON envelope in the value, the same facts in the headers.

Consumers read the envelope (``event_id`` for de-duplication, ``event_type`` and ``schema_version`` to
pick the contract model for ``payload``). The headers repeat the routing facts so that tools and
dead-letter handling can see them without parsing the value, and carry the W3C ``traceparent``.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from events.transport.ports import OutgoingRecord

CONTENT_TYPE = "application/json"


class Envelope(BaseModel):
    """One domain event as published."""

    # Unknown fields are ignored: a producer may add envelope fields before every consumer knows them.
    model_config = ConfigDict(frozen=True, extra="ignore")

    event_id: uuid.UUID
    event_type: str
    schema_version: int
    source: str
    checkout_id: str | None
    occurred_at: datetime
    payload: dict[str, Any]


class NotAnEnvelope(ValueError):
    """A record whose value is not an envelope: a poison message for every consumer."""


def parse_envelope(value: bytes) -> Envelope:
    try:
        return Envelope.model_validate_json(value)
    except ValidationError as error:
        # Locations and error kinds only: values may be personal data, and reasons end up in headers.
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['type']}" for e in error.errors()
        )
        raise NotAnEnvelope(f"not an event envelope ({problems})") from None


def fallback_traceparent(event_id: uuid.UUID) -> str:
    """A valid, unsampled ``traceparent`` for an event written outside any trace.

    Derived from the event id, so a republished event carries the same header as the first copy.
    """
    span_id = hashlib.sha256(event_id.bytes).hexdigest()[:16]
    return f"00-{event_id.hex}-{span_id}-00"


def headers_of(envelope: Envelope, traceparent: str | None) -> dict[str, str]:
    return {
        "event-id": str(envelope.event_id),
        "event-type": envelope.event_type,
        "schema-version": str(envelope.schema_version),
        "content-type": CONTENT_TYPE,
        "correlation-id": envelope.checkout_id or "",
        "source": envelope.source,
        "traceparent": traceparent or fallback_traceparent(envelope.event_id),
    }


def to_record(topic: str, envelope: Envelope, traceparent: str | None = None) -> OutgoingRecord:
    """The record for ``envelope``: keyed by checkout id so that one checkout's events stay in order."""
    return OutgoingRecord(
        topic=topic,
        key=envelope.checkout_id,
        value=envelope.model_dump_json().encode(),
        headers=headers_of(envelope, traceparent),
    )
