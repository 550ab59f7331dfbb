"""Conversion and boolean built-ins: ``string``, ``number``, ``date``, ``duration``, ``is defined``..."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.unit.engine.feel.support import evaluate, evaluate_json


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("string(1)", "1"),
        ("string(1.10)", "1.10"),
        ("string(1 / 4)", "0.25"),
        ("string(true)", "true"),
        ('string("x")', "x"),
        ("string(null)", None),
        ('string(date("2025-01-31"))', "2025-01-31"),
        ('string(time("10:00"))', "10:00:00"),
        ('string(date and time("2025-01-31T10:00:00@Europe/Berlin"))', "2025-01-31T10:00:00@Europe/Berlin"),
        ('string(date and time("2025-01-31T10:00:00Z"))', "2025-01-31T10:00:00Z"),
        ('string(duration("PT90M"))', "PT1H30M"),
        ('string(duration("P14M"))', "P1Y2M"),
        ('string([1, "a", null])', '[1, "a", null]'),
        ('string({a: 1, b: "x"})', '{a:1, b:"x"}'),
        ("string(from: 5)", "5"),
    ],
)
def test_string_renders_values_like_feel_scala(source: str, expected: Any) -> None:
    assert evaluate(source) == expected


def test_string_of_an_integer_variable_has_no_decimal_point() -> None:
    assert evaluate("string(count)", {"count": 3}) == "3"


def test_string_of_a_float_variable_uses_its_shortest_form() -> None:
    assert evaluate("string(price)", {"price": 9.99}) == "9.99"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('number("42")', 42),
        ('number("-1.5")', -1.5),
        ('number("1e3")', 1000),
        ('number("1 000", " ")', 1000),
        ('number("1.000,5", ".", ",")', 1000.5),
        ('number("1,000.5", ",", ".")', 1000.5),
        ('number("12,5", null, ",")', 12.5),
        ('number("abc")', None),
        ('number("")', None),
        ('number("1,5", ",", ",")', None),
        ("number(5)", None),
    ],
)
def test_number_parses_text(source: str, expected: Any) -> None:
    assert evaluate_json(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('date("2025-01-31")', "2025-01-31"),
        ("date(2025, 2, 28)", "2025-02-28"),
        ('date(date and time("2025-01-31T23:00:00Z"))', "2025-01-31"),
        ('date("2025-02-30")', None),
        ("date(2025, 2, 30)", None),
        ('date("31.01.2025")', None),
        ('time("10:15:00")', "10:15"),
        ('time("10:15:30+02:00")', "10:15:30+02:00"),
        ("time(10, 15, 30)", "10:15:30"),
        ('time(10, 15, 30, duration("PT1H"))', "10:15:30+01:00"),
        ('time(date and time("2025-01-31T10:15:00Z"))', "10:15:00Z"),
        ('time("25:00:00")', None),
        ('date and time("2025-01-31T10:15:00")', "2025-01-31T10:15:00"),
        ('date and time("2025-01-31")', "2025-01-31T00:00:00"),
        ('date and time("2025-01-31T10:15:00@Europe/Berlin")', "2025-01-31T10:15:00+01:00[Europe/Berlin]"),
        ('date and time(date("2025-01-31"), time("10:15:00"))', "2025-01-31T10:15:00"),
        ('date and time(date("2025-01-31"), time("10:15:00Z"))', "2025-01-31T10:15:00Z"),
        (
            'date and time(date and time("2025-01-31T10:15:00"), "Europe/Berlin")',
            "2025-01-31T10:15:00+01:00[Europe/Berlin]",
        ),
        (
            'date and time(date and time("2025-01-31T10:15:00Z"), "Europe/Berlin")',
            "2025-01-31T11:15:00+01:00[Europe/Berlin]",
        ),
        ('date and time("yesterday")', None),
        ('duration("P2DT3H")', "P2DT3H"),
        ('duration("P1Y")', "P1Y"),
        ('duration("soon")', None),
        ('years and months duration(date("2020-01-31"), date("2021-03-01"))', "P1Y1M"),
        ('years and months duration(date("2021-03-01"), date("2020-01-31"))', "-P1Y1M"),
        ('years and months duration(date("2025-01-31"), date("2025-02-28"))', "P0Y"),
    ],
)
def test_temporal_constructors(source: str, expected: Any) -> None:
    assert evaluate_json(source) == expected


def test_date_and_time_with_zone_id_keeps_the_zone() -> None:
    result = evaluate('date and time("2025-07-01T10:00:00@Europe/Berlin")')
    assert result.utcoffset() == dt.timedelta(hours=2)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("not(true)", False),
        ("not(false)", True),
        ("not(null)", None),
        ("not(1)", None),
        ("is defined(1)", True),
        ("is defined(null)", False),
        ("is defined(nothing)", False),
        ("is defined(a.b)", False),
        ("get or else(null, 1)", 1),
        ("get or else(2, 1)", 2),
        ("get or else(value: null, default: 3)", 3),
    ],
)
def test_boolean_built_ins(source: str, expected: Any) -> None:
    assert evaluate_json(source) == expected
