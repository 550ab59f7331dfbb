"""Arithmetic, comparison and properties of dates, times and durations inside FEEL expressions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from tests.unit.engine.feel.support import evaluate, evaluate_json


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('date("2025-01-31") + duration("P1D")', "2025-02-01"),
        ('duration("P1D") + date("2025-01-31")', "2025-02-01"),
        ('date("2025-03-01") - duration("P1D")', "2025-02-28"),
        ('date("2025-01-31") + duration("P1M")', "2025-02-28"),
        ('date("2024-02-29") + duration("P1Y")', "2025-02-28"),
        ('date("2025-01-01") + duration("PT25H")', "2025-01-02"),
        ('date("2025-03-01") - date("2025-02-01")', "P28D"),
        ('date and time("2025-01-01T10:00:00") + duration("PT90M")', "2025-01-01T11:30:00"),
        ('date and time("2025-01-01T10:00:00Z") - duration("P1D")', "2024-12-31T10:00:00Z"),
        ('date and time("2025-01-02T00:00:00Z") - date and time("2025-01-01T12:00:00Z")', "PT12H"),
        ('date and time("2025-01-01T12:00:00+02:00") - date and time("2025-01-01T10:00:00Z")', "P0D"),
        ('date and time("2025-01-31T10:00:00") + duration("P1M")', "2025-02-28T10:00:00"),
        ('time("23:30:00") + duration("PT1H")', "00:30"),
        ('time("10:00:00") - time("08:30:00")', "PT1H30M"),
        ('duration("PT1H") + duration("PT30M")', "PT1H30M"),
        ('duration("PT1H") - duration("PT90M")', "-PT30M"),
        ('duration("P1Y") + duration("P6M")', "P1Y6M"),
        ('duration("PT1H") * 3', "PT3H"),
        ('2 * duration("P1D")', "P2D"),
        ('duration("PT1H") * 1.5', "PT1H30M"),
        ('duration("P1Y") * 2', "P2Y"),
        ('duration("PT1H") / 4', "PT15M"),
        ('duration("PT90M") / duration("PT1H")', 1.5),
        ('duration("P1Y") / duration("P6M")', 2),
        ('-duration("PT5M")', "-PT5M"),
    ],
)
def test_temporal_arithmetic(source: str, expected: Any) -> None:
    assert evaluate_json(source) == expected


def test_adding_a_duration_to_a_zoned_date_time_crosses_daylight_saving_on_the_time_line() -> None:
    source = 'date and time("2025-03-30T01:30:00@Europe/Berlin") + duration("PT1H")'
    assert evaluate_json(source) == "2025-03-30T03:30:00+02:00[Europe/Berlin]"


@pytest.mark.parametrize(
    "source",
    [
        'date("2025-01-01") + 1',
        'date("2025-01-01") + date("2025-01-01")',
        'date and time("2025-01-01T00:00:00") - date and time("2025-01-01T00:00:00Z")',
        'time("10:00:00") + duration("P1M")',
        'duration("P1D") + duration("P1M")',
        'duration("P1D") / 0',
    ],
)
def test_unsupported_temporal_arithmetic_is_null(source: str) -> None:
    assert evaluate(source) is None


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('date and time("2025-01-01T10:00:00Z") < date and time("2025-01-01T10:30:00+00:20")', True),
        ('date and time("2025-01-01T10:00:00Z") = date and time("2025-01-01T11:00:00+01:00")', True),
        ('time("10:00:00") < time("11:00:00")', True),
        ('duration("P1Y") > duration("P11M")', True),
        ('date("2025-01-01") >= date("2025-01-01")', True),
    ],
)
def test_temporal_values_compare_chronologically(source: str, expected: bool) -> None:
    assert evaluate(source) is expected


def test_now_is_later_than_a_past_date_time() -> None:
    assert evaluate('now() > date and time("2020-01-01T00:00:00Z")') is True


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('date("2025-01-31").year', 2025),
        ('date("2025-01-31").month', 1),
        ('date("2025-01-31").day', 31),
        ('date("2025-01-31").weekday', 5),
        ('date and time("2025-01-31T10:20:30Z").hour', 10),
        ('date and time("2025-01-31T10:20:30Z").minute', 20),
        ('date and time("2025-01-31T10:20:30Z").second', 30),
        ('date and time("2025-01-31T10:20:30Z").year', 2025),
        ('date and time("2025-01-31T10:20:30+02:00").time offset', "PT2H"),
        ('date and time("2025-01-31T10:20:30@Europe/Paris").timezone', "Europe/Paris"),
        ('date and time("2025-01-31T10:20:30+02:00").timezone', None),
        ('time("10:20:30").hour', 10),
        ('duration("P2DT3H4M5S").days', 2),
        ('duration("P2DT3H4M5S").hours', 3),
        ('duration("P2DT3H4M5S").minutes', 4),
        ('duration("P2DT3H4M5S").seconds', 5),
        ('duration("-PT90M").hours', -1),
        ('duration("P1Y2M").years', 1),
        ('duration("P1Y2M").months', 2),
        ('date("2025-01-31").unknown', None),
    ],
)
def test_temporal_values_expose_properties(source: str, expected: Any) -> None:
    assert evaluate_json(source) == expected


def test_temporal_variables_can_be_given_as_python_values() -> None:
    result = evaluate('deadline + duration("P1D")', {"deadline": dt.date(2025, 1, 1)})
    assert result == dt.date(2025, 1, 2)


def test_date_property_is_a_number() -> None:
    assert evaluate('date("2025-01-31").day + 1') == Decimal(32)
