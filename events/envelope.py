"""The record format on every topic: JSON envelope in the value, the same facts in the headers.

Consumers read the envelope (``event_id`` for de-duplication, ``event_type`` and ``schema_version`` to
pick the contract model for ``payload``). The headers repeat the routing facts so that tools and
dead-letter handling can see them without parsing the value, and carry the W3C ``traceparent``.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from json.encoder import encode_basestring_ascii as _json_string
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


def fallback_traceparent(event_id: str) -> str:
    """A valid, unsampled ``traceparent`` for an event written outside any trace (``event_id`` in its
    canonical text form).

    Derived from the event id, so a republished event carries the same header as the first copy: the
    id's 32 digits are the trace id and its last 16 the parent id. Neither is ever all zeros (invalid
    in a traceparent): every RFC 4122 UUID has a non-zero variant digit among the last 16. It runs for
    every relayed event written outside a trace, so it does without a hash.
    """
    digits = event_id.replace("-", "")
    return f"00-{digits}-{digits[16:]}-00"


def to_record(topic: str, envelope: Envelope, traceparent: str | None = None) -> OutgoingRecord:
    """The record for ``envelope``: keyed by checkout id so that one checkout's events stay in order."""
    return RecordWriter(topic, envelope.source).record(
        str(envelope.event_id),
        envelope.event_type,
        envelope.schema_version,
        envelope.checkout_id,
        envelope.occurred_at.isoformat(),
        json.dumps(envelope.payload),
        traceparent,
    )


class RecordWriter:
    """Writes the records of one source's events on one topic: the one place record values and headers
    are written.

    The relay's hot path hands it each event with the payload as the outbox stored it, instead of
    decoding and encoding it again, which was most of the relay's own time per event
    (bench/relay_throughput.py). Arguments are positional and the source is escaped once per writer:
    this runs once per relayed event.
    """

    def __init__(self, topic: str, source: str) -> None:
        self._topic = topic
        self._source = source
        self._source_json = _json_string(source)

    def record(
        self,
        event_id: str,
        event_type: str,
        schema_version: int,
        checkout_id: str | None,
        occurred_at: str,
        payload_json: str,
        traceparent: str | None,
    ) -> OutgoingRecord:
        """The record of one event: its id in the canonical text form, its time in ISO 8601, its
        payload as JSON text."""
        # Written out by hand rather than through json.dumps of a dict, which was a third of the
        # relay's own time. Strings that may hold anything are JSON-escaped; the id's and the time's
        # text cannot hold a character that needs it.
        checkout = "null" if checkout_id is None else _json_string(checkout_id)
        value = (
            f'{{"event_id": "{event_id}", "event_type": {_json_string(event_type)}, '
            f'"schema_version": {schema_version:d}, "source": {self._source_json}, '
            f'"checkout_id": {checkout}, "occurred_at": "{occurred_at}", "payload": {payload_json}}}'
        )
        return OutgoingRecord(
            self._topic,
            checkout_id,
            value.encode(),
            {
                "event-id": event_id,
                "event-type": event_type,
                "schema-version": str(schema_version),
                "content-type": CONTENT_TYPE,
                "correlation-id": checkout_id or "",
                "source": self._source,
                "traceparent": traceparent or fallback_traceparent(event_id),
            },
        )
