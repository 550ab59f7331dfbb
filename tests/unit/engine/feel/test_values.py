"""Conversion between JSON-decoded Python data and FEEL values, at the engine's borders."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.feel import YearsMonthsDuration, compile_expression, from_json, to_json
from tests.unit.engine.feel.support import evaluate

# Beyond 2**53 an integral float has no exact decimal twin, so Zeebe (and we) write a different integer.
JSON_SCALARS: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=20),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(min_value=-(2.0**53), max_value=2.0**53, allow_nan=False),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


def test_from_json_turns_numbers_into_decimals_recursively() -> None:
    converted = from_json({"a": 1, "b": [2.5, {"c": -3}], "d": True, "e": None, "f": "x"})
    assert converted == {
        "a": Decimal(1),
        "b": [Decimal("2.5"), {"c": Decimal(-3)}],
        "d": True,
        "e": None,
        "f": "x",
    }
    assert type(converted["a"]) is Decimal
    assert type(converted["d"]) is bool


def test_from_json_reads_floats_by_their_shortest_representation() -> None:
    assert from_json(0.1) == Decimal("0.1")


def test_from_json_leaves_feel_values_unchanged() -> None:
    values = [Decimal("1.5"), dt.date(2025, 1, 1), dt.timedelta(hours=1), YearsMonthsDuration(3)]
    assert from_json(values) == values


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal(3), 3),
        (Decimal("3.00"), 3),
        (Decimal("2.5"), 2.5),
        (Decimal("-0.1"), -0.1),
        (True, True),
        (None, None),
        ("x", "x"),
        (dt.date(2025, 1, 31), "2025-01-31"),
        (dt.time(10, 15), "10:15"),
        (dt.datetime(2025, 1, 31, 10, 15, tzinfo=dt.UTC), "2025-01-31T10:15:00Z"),
        (
            dt.datetime(2025, 1, 31, 10, 15, tzinfo=ZoneInfo("Europe/Berlin")),
            "2025-01-31T10:15:00+01:00[Europe/Berlin]",
        ),
        (dt.timedelta(minutes=5), "PT5M"),
        (YearsMonthsDuration(14), "P1Y2M"),
        ([Decimal(1), {"a": Decimal("0.5")}], [1, {"a": 0.5}]),
    ],
)
def test_to_json_writes_values_as_zeebe_stores_them(value: Any, expected: Any) -> None:
    result = to_json(value)
    assert result == expected
    assert type(result) is type(expected)


def test_to_json_of_a_function_is_null() -> None:
    assert to_json(evaluate("function(x) x")) is None


def test_integral_result_is_written_as_an_int() -> None:
    assert to_json(evaluate("10 / 2")) == 5
    assert isinstance(to_json(evaluate("10 / 2")), int)


@given(JSON_VALUES)
def test_json_values_round_trip_through_feel(value: Any) -> None:
    assert to_json(from_json(value)) == value


@given(JSON_VALUES)
def test_results_of_to_json_are_json_serialisable(value: Any) -> None:
    json.dumps(to_json(compile_expression("[x, {v: x}]").evaluate({"x": value})))


@given(st.integers(-(10**16), 10**16), st.integers(-(10**16), 10**16))
def test_integer_arithmetic_matches_python_exactly(left: int, right: int) -> None:
    # Up to 34 significant digits FEEL numbers are exact; these operands stay below that.
    expression = compile_expression("[a + b, a - b, a * b, a < b, a = b]")
    result = expression.evaluate({"a": left, "b": right})
    assert result == [left + right, left - right, left * right, left < right, left == right]


@given(st.integers(-(10**6), 10**6), st.integers(1, 10**6))
def test_division_then_multiplication_gives_back_the_dividend(dividend: int, divisor: int) -> None:
    assert evaluate("round half up(a / b * b, 20)", {"a": dividend, "b": divisor}) == dividend


@given(st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-(10**9), max_value=10**9))
def test_number_survives_a_round_trip_through_string_and_number(value: Decimal) -> None:
    assert evaluate("number(string(x))", {"x": value}) == value
