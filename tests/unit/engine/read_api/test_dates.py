from __future__ import annotations

import pytest

from engine.read_api.dates import format_date, parse_date_millis


def test_dates_are_shown_in_utc_with_milliseconds_and_offset() -> None:
    assert format_date(1704103200.0) == "2024-01-01T10:00:00.000+0000"


def test_dates_are_rounded_to_the_millisecond() -> None:
    assert format_date(1704103200.1236) == "2024-01-01T10:00:00.124+0000"


def test_rounding_carries_into_the_next_second() -> None:
    assert format_date(1704103200.9996) == "2024-01-01T10:00:01.000+0000"


def test_missing_date_is_none() -> None:
    assert format_date(None) is None


@pytest.mark.parametrize(
    "text",
    [
        "2024-01-01T10:00:00.123+0000",
        "2024-01-01T10:00:00.123Z",
        "2024-01-01T11:00:00.123+01:00",
        "2024-01-01T10:00:00.123",
    ],
)
def test_dates_are_read_in_any_iso_offset(text: str) -> None:
    assert parse_date_millis(text) == 1704103200123


def test_text_that_is_no_date_is_refused() -> None:
    with pytest.raises(ValueError, match="Invalid isoformat"):
        parse_date_millis("yesterday")
