"""List cursors: opaque, round-trip exactly, and anything not made by the gateway is refused."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime

import pytest

from gateway.domain.cursor import Cursor, InvalidCursor

A_CHECKOUT_ID = "b47148f5-dc93-4deb-9e5e-198bc78974d2"
"""Fixed, so the parametrized test ids are the same in every collection (pytest-xdist compares them)."""


def test_a_cursor_round_trips_to_the_same_position() -> None:
    position = Cursor(datetime(2026, 1, 1, 10, 0, 0, 123456, tzinfo=UTC), str(uuid.uuid4()))

    assert Cursor.decode(position.encode()) == position


def test_a_cursor_is_url_safe_text() -> None:
    encoded = Cursor(datetime.now(UTC), str(uuid.uuid4())).encode()

    assert encoded.replace("-", "").replace("_", "").isalnum()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not base64 at all!",
        base64.urlsafe_b64encode(b'{"a": 1}').decode(),
        base64.urlsafe_b64encode(b'["2026-01-01T10:00:00+00:00", "not-a-uuid"]').decode(),
        base64.urlsafe_b64encode(f'["yesterday", "{A_CHECKOUT_ID}"]'.encode()).decode(),
        base64.urlsafe_b64encode(f'["2026-01-01T10:00:00", "{A_CHECKOUT_ID}"]'.encode()).decode(),
        base64.urlsafe_b64encode(f'[20260101, "{A_CHECKOUT_ID}"]'.encode()).decode(),
    ],
)
def test_anything_else_is_an_invalid_cursor(text: str) -> None:
    with pytest.raises(InvalidCursor):
        Cursor.decode(text)
