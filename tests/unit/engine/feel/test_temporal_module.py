"""ISO 8601 parsing and formatting shared by FEEL and timer definitions (``engine.feel.temporal``)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from engine.feel.temporal import (
    YearsMonthsDuration,
    add_months,
    format_date,
    format_date_time,
    format_duration,
    format_time,
    parse_date,
    parse_date_time,
    parse_duration,
    parse_time,
)

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT10S", dt.timedelta(seconds=10)),
        ("PT5M", dt.timedelta(minutes=5)),
        ("PT1H30M", dt.timedelta(hours=1, minutes=30)),
        ("P1D", dt.timedelta(days=1)),
        ("P2DT3H", dt.timedelta(days=2, hours=3)),
        ("P2W", dt.timedelta(weeks=2)),
        ("PT0.5S", dt.timedelta(milliseconds=500)),
        ("-PT5M", dt.timedelta(minutes=-5)),
        ("P0D", dt.timedelta(0)),
        ("P1Y2M", YearsMonthsDuration(14)),
        ("P3M", YearsMonthsDuration(3)),
        ("P1Y", YearsMonthsDuration(12)),
        ("-P1Y", YearsMonthsDuration(-12)),
    ],
)
def test_parse_duration_reads_iso_8601_durations(text: str, expected: object) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "P", "PT", "P1DT", "5M", "PT5", "P1M1D", "P1Y2DT3H", "PT-5M", "P1.5D"])
def test_parse_duration_rejects_invalid_or_mixed_durations(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (dt.timedelta(minutes=5), "PT5M"),
        (dt.timedelta(hours=25), "P1DT1H"),
        (dt.timedelta(days=2, seconds=3), "P2DT3S"),
        (dt.timedelta(minutes=-90), "-PT1H30M"),
        (dt.timedelta(0), "P0D"),
        (dt.timedelta(milliseconds=1500), "PT1.5S"),
        (YearsMonthsDuration(14), "P1Y2M"),
        (YearsMonthsDuration(-3), "-P3M"),
        (YearsMonthsDuration(0), "P0Y"),
    ],
)
def test_format_duration_writes_feel_scala_notation(
    value: dt.timedelta | YearsMonthsDuration, text: str
) -> None:
    assert format_duration(value) == text


def test_years_months_duration_exposes_years_and_remaining_months() -> None:
    duration = YearsMonthsDuration(-14)
    assert (duration.years, duration.remaining_months) == (-1, -2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-01-01T10:00:00", dt.datetime(2025, 1, 1, 10)),
        ("2025-01-01T10:00", dt.datetime(2025, 1, 1, 10)),
        ("2025-01-01T10:00:00.250", dt.datetime(2025, 1, 1, 10, 0, 0, 250000)),
        ("2025-01-01T10:00:00Z", dt.datetime(2025, 1, 1, 10, tzinfo=dt.UTC)),
        (
            "2025-01-01T10:00:00+01:00",
            dt.datetime(2025, 1, 1, 10, tzinfo=dt.timezone(dt.timedelta(hours=1))),
        ),
        ("2025-01-01T10:00:00@Europe/Berlin", dt.datetime(2025, 1, 1, 10, tzinfo=BERLIN)),
        ("2025-01-01T10:00:00+01:00[Europe/Berlin]", dt.datetime(2025, 1, 1, 10, tzinfo=BERLIN)),
    ],
)
def test_parse_date_time_reads_offsets_zones_and_local_values(text: str, expected: dt.datetime) -> None:
    parsed = parse_date_time(text)
    assert parsed == expected
    assert parsed.tzinfo == expected.tzinfo


@pytest.mark.parametrize(
    "text",
    ["2025-01-01", "2025-13-01T10:00:00", "2025-01-01T25:00:00", "2025-01-01T10:00:00@Mars/Base", "tomorrow"],
)
def test_parse_date_time_rejects_invalid_text(text: str) -> None:
    with pytest.raises(ValueError, match=r"date-time|time zone"):
        parse_date_time(text)


def test_parse_date_is_strict() -> None:
    assert parse_date("2024-02-29") == dt.date(2024, 2, 29)
    for text in ("2023-02-29", "2025-1-1", "01.01.2025"):
        with pytest.raises(ValueError, match="date"):
            parse_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10:15", dt.time(10, 15)),
        ("10:15:30", dt.time(10, 15, 30)),
        ("10:15:30Z", dt.time(10, 15, 30, tzinfo=dt.UTC)),
        ("10:15:30-05:00", dt.time(10, 15, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))),
        ("10:15:30@Europe/Berlin", dt.time(10, 15, 30, tzinfo=BERLIN)),
    ],
)
def test_parse_time_reads_local_and_zoned_times(text: str, expected: dt.time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    ("value", "json", "feel"),
    [
        (dt.datetime(2025, 1, 1, 10), "2025-01-01T10:00:00", "2025-01-01T10:00:00"),
        (dt.datetime(2025, 1, 1, 10, tzinfo=dt.UTC), "2025-01-01T10:00:00Z", "2025-01-01T10:00:00Z"),
        (
            dt.datetime(2025, 1, 1, 10, tzinfo=dt.timezone(dt.timedelta(hours=-3))),
            "2025-01-01T10:00:00-03:00",
            "2025-01-01T10:00:00-03:00",
        ),
        (
            dt.datetime(2025, 7, 1, 10, tzinfo=BERLIN),
            "2025-07-01T10:00:00+02:00[Europe/Berlin]",
            "2025-07-01T10:00:00@Europe/Berlin",
        ),
        (dt.datetime(2025, 1, 1, 10, 0, 0, 500000), "2025-01-01T10:00:00.5", "2025-01-01T10:00:00.5"),
    ],
)
def test_format_date_time_writes_zeebe_json_and_feel_string_forms(
    value: dt.datetime, json: str, feel: str
) -> None:
    assert format_date_time(value) == json
    assert format_date_time(value, style="feel") == feel


@pytest.mark.parametrize(
    ("value", "json", "feel"),
    [
        (dt.time(10, 0), "10:00", "10:00:00"),
        (dt.time(10, 0, 5), "10:00:05", "10:00:05"),
        (dt.time(10, 0, 5, 500000), "10:00:05.500", "10:00:05.5"),
        (dt.time(10, 0, tzinfo=dt.UTC), "10:00:00Z", "10:00:00Z"),
        (dt.time(10, 0, tzinfo=BERLIN), "10:00:00@Europe/Berlin", "10:00:00@Europe/Berlin"),
    ],
)
def test_format_time_writes_zeebe_json_and_feel_string_forms(value: dt.time, json: str, feel: str) -> None:
    assert format_time(value) == json
    assert format_time(value, style="feel") == feel


def test_format_date_is_iso() -> None:
    assert format_date(dt.date(2025, 3, 7)) == "2025-03-07"


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (dt.date(2025, 1, 31), 1, dt.date(2025, 2, 28)),
        (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),
        (dt.date(2025, 3, 15), -3, dt.date(2024, 12, 15)),
        (dt.date(2025, 1, 1), 24, dt.date(2027, 1, 1)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(start: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(start, months) == expected


def test_add_months_keeps_time_and_zone_of_a_date_time() -> None:
    start = dt.datetime(2025, 1, 31, 10, tzinfo=BERLIN)
    assert add_months(start, 1) == dt.datetime(2025, 2, 28, 10, tzinfo=BERLIN)
