"""Arithmetic, comparison, boolean logic and the control-flow constructs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.unit.engine.feel.support import evaluate, evaluate_json


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 + 2", "3"),
        ("0.1 + 0.2", "0.3"),
        ("7 - 10", "-3"),
        ("1.5 * 4", "6.0"),
        ("10 / 4", "2.5"),
        ("1 / 3", "0.3333333333333333333333333333333333"),
        ("2 ** 10", "1024"),
        ("2 ** -1", "0.5"),
        ("1 + 2 * 3", "7"),
        ("(1 + 2) * 3", "9"),
        ("2 * 3 ** 2", "18"),
        ("10 - 2 - 3", "5"),
        ("-(1 + 2)", "-3"),
        ("100000000000000000000 + 1", "100000000000000000001"),
    ],
)
def test_arithmetic_is_exact_decimal_arithmetic(source: str, expected: str) -> None:
    assert evaluate(source) == Decimal(expected)


def test_decimal_sum_is_exact() -> None:
    assert evaluate("0.1 + 0.2 = 0.3") is True


def test_unary_minus_binds_tighter_than_exponent_like_feel_scala() -> None:
    assert evaluate("-2 ** 2") == Decimal(4)


def test_exponent_with_fraction_uses_floating_point() -> None:
    assert evaluate("4 ** 0.5") == Decimal("2.0")


@pytest.mark.parametrize("operator", ["+", "-", "*", "/", "**"])
@pytest.mark.parametrize("source", ["null {op} 1", "1 {op} null", "missing {op} 1"])
def test_arithmetic_with_null_is_null(source: str, operator: str) -> None:
    assert evaluate(source.format(op=operator)) is None


@pytest.mark.parametrize("source", ["1 / 0", "0 / 0", "0 ** -1"])
def test_division_by_zero_is_null(source: str) -> None:
    assert evaluate(source) is None


def test_plus_concatenates_strings() -> None:
    assert evaluate('"ab" + "cd"') == "abcd"


@pytest.mark.parametrize("source", ['"a" + 1', '1 + "a"', "true + 1", '"a" * 2', "[1] + [2]"])
def test_arithmetic_on_mismatched_types_is_null(source: str) -> None:
    assert evaluate(source) is None


def test_numeric_variables_given_as_python_ints_and_floats_are_numbers() -> None:
    assert evaluate("a + b", {"a": 1, "b": 0.5}) == Decimal("1.5")


def test_boolean_variable_is_not_a_number() -> None:
    assert evaluate("flag + 1", {"flag": True}) is None


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 = 1", True),
        ("1 = 1.0", True),
        ("1 != 2", True),
        ("1 < 2", True),
        ("2 <= 2", True),
        ("3 > 2", True),
        ("2 >= 3", False),
        ('"a" < "b"', True),
        ('"a" = "a"', True),
        ("true = true", True),
        ("[1, 2] = [1, 2]", True),
        ("[1, 2] = [2, 1]", False),
        ("{a: 1} = {a: 1}", True),
        ("{a: 1} = {a: 2}", False),
        ('date("2025-01-01") < date("2025-01-02")', True),
        ('duration("PT1H") > duration("PT59M")', True),
    ],
)
def test_comparison_of_same_typed_values(source: str, expected: bool) -> None:
    assert evaluate(source) is expected


@pytest.mark.parametrize(
    "source",
    [
        '1 = "1"',
        '1 < "2"',
        "true < false",
        '"a" != 1',
        'date("2025-01-01") = date and time("2025-01-01T00:00:00")',
        'date and time("2025-01-01T00:00:00") < date and time("2025-01-01T00:00:00Z")',
        "null < 1",
        "1 > null",
    ],
)
def test_comparison_of_different_types_is_null(source: str) -> None:
    assert evaluate(source) is None


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("null = null", True),
        ("1 = null", False),
        ("null = 1", False),
        ("null != null", False),
        ("1 != null", True),
    ],
)
def test_comparison_with_null_literal_tells_whether_the_value_is_null(source: str, expected: bool) -> None:
    assert evaluate(source) is expected


@pytest.mark.parametrize(
    ("left", "right", "conjunction", "disjunction"),
    [
        ("true", "true", True, True),
        ("true", "false", False, True),
        ("false", "true", False, True),
        ("false", "false", False, False),
        ("true", "null", None, True),
        ("null", "true", None, True),
        ("false", "null", False, None),
        ("null", "false", False, None),
        ("null", "null", None, None),
        ("true", '"yes"', None, True),
        ("1", "false", False, None),
    ],
)
def test_and_or_follow_three_valued_logic(left: str, right: str, conjunction: Any, disjunction: Any) -> None:
    assert evaluate(f"{left} and {right}") is conjunction
    assert evaluate(f"{left} or {right}") is disjunction


def test_and_does_not_evaluate_its_right_side_after_false() -> None:
    assert evaluate("false and no such fn(1)") is False


def test_or_does_not_evaluate_its_right_side_after_true() -> None:
    assert evaluate("true or no such fn(1)") is True


@pytest.mark.parametrize(
    ("condition", "expected"), [("true", "yes"), ("false", "no"), ("null", "no"), ('"x"', "no")]
)
def test_if_takes_the_else_branch_unless_the_condition_is_true(condition: str, expected: str) -> None:
    assert evaluate(f'if {condition} then "yes" else "no"') == expected


def test_if_evaluates_only_the_chosen_branch() -> None:
    assert evaluate('if true then "ok" else no such fn()') == "ok"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("5 between 1 and 10", True),
        ("1 between 1 and 10", True),
        ("10 between 1 and 10", True),
        ("11 between 1 and 10", False),
        ('"b" between "a" and "c"', True),
        ("null between 1 and 10", None),
    ],
)
def test_between_includes_both_bounds(source: str, expected: Any) -> None:
    assert evaluate(source) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("2 in [1, 2, 3]", True),
        ("4 in [1, 2, 3]", False),
        ("3 in (1..5]", True),
        ("1 in (1..5]", False),
        ("5 in (1..5]", True),
        ("5 in [1..5)", False),
        ("1 in [1..5)", True),
        ("5 in ]1..5[", False),
        ("4 in > 3", True),
        ("3 in > 3", False),
        ("3 in >= 3", True),
        ("2 in < 3", True),
        ("3 in <= 3", True),
        ('"a" in ("a", "b")', True),
        ('"c" in ("a", "b")', False),
        ("7 in (< 3, > 5)", True),
        ("4 in (< 3, > 5)", False),
        ("3 in 3", True),
        ("3 in ([1..2], 3)", True),
        ("true in true", True),
        ("false in true", False),
        ("5 in ? > 3", True),
        ("null in [1, null]", True),
        ('"a" in > 3', None),
        ("null in (1..5)", None),
    ],
)
def test_in_checks_the_value_against_unary_tests(source: str, expected: Any) -> None:
    assert evaluate(source) is expected


def test_in_works_with_dates() -> None:
    assert evaluate('date("2025-06-01") in [date("2025-01-01")..date("2025-12-31")]') is True


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("for i in [1, 2, 3] return i * 2", [2, 4, 6]),
        ("for i in 1..3 return i", [1, 2, 3]),
        ("for i in 3..1 return i", [3, 2, 1]),
        ("for i in 0..0 return i", [0]),
        ("for x in [1, 2], y in [10, 20] return x + y", [11, 21, 12, 22]),
        ("for x in [[1, 2], [3]], y in x return y", [1, 2, 3]),
        ("for i in [] return i", []),
        ("for i in 1..4 return if i = 1 then 1 else i * partial[-1]", [1, 2, 6, 24]),
    ],
)
def test_for_returns_one_result_per_iteration(source: str, expected: list[Any]) -> None:
    assert evaluate_json(source) == expected


def test_for_over_a_non_list_is_null() -> None:
    assert evaluate("for i in x return i", {"x": 5}) is None


def test_for_with_a_later_domain_that_is_not_a_list_is_null() -> None:
    assert evaluate("for x in [1, 2], y in x return y") is None


def test_some_over_a_long_range_stops_at_the_first_match() -> None:
    assert evaluate("some i in 1..1000000000 satisfies i = 3") is True


def test_for_iterator_variable_shadows_outer_variable() -> None:
    assert evaluate_json("for i in [1] return i", {"i": 99}) == [1]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("some x in [1, 5] satisfies x > 3", True),
        ("some x in [1, 2] satisfies x > 3", False),
        ("some x in [] satisfies x > 3", False),
        ("some x in [1, null] satisfies x > 3", None),
        ("some x in [null, 5] satisfies x > 3", True),
        ("every x in [4, 5] satisfies x > 3", True),
        ("every x in [1, 5] satisfies x > 3", False),
        ("every x in [] satisfies x > 3", True),
        ("every x in [4, null] satisfies x > 3", None),
        ("every x in [null, 1] satisfies x > 3", False),
        ("some x in [1, 2], y in [2, 3] satisfies x = y", True),
        ("some x in 1..10 satisfies x * x = 49", True),
    ],
)
def test_quantifiers_use_three_valued_logic(source: str, expected: Any) -> None:
    assert evaluate(source) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 instance of number", True),
        ('"a" instance of string', True),
        ("true instance of boolean", True),
        ('date("2025-01-01") instance of date', True),
        ('time("10:00:00") instance of time', True),
        ('date and time("2025-01-01T10:00:00") instance of date and time', True),
        ('duration("P1D") instance of days and time duration', True),
        ('duration("P1Y") instance of years and months duration', True),
        ("[1] instance of list", True),
        ("{a: 1} instance of context", True),
        ("(function(x) x) instance of function", True),
        ("null instance of null", True),
        ("1 instance of string", False),
        ("null instance of number", False),
        ("1 instance of Any", True),
        ("null instance of Any", False),
    ],
)
def test_instance_of_checks_the_feel_type(source: str, expected: bool) -> None:
    assert evaluate(source) is expected


def test_function_literal_can_be_called_from_a_context() -> None:
    assert evaluate_json("{double: function(x) x * 2, result: double(21)}.result") == 42


def test_function_literal_closes_over_its_scope() -> None:
    assert evaluate_json("{factor: 3, times: function(x) x * factor, r: times(2)}.r") == 6


def test_function_literal_missing_arguments_are_null() -> None:
    assert evaluate("{f: function(a, b) b, r: f(1)}.r") is None


def test_function_literal_accepts_named_arguments() -> None:
    assert evaluate_json("{f: function(a, b) a - b, r: f(b: 1, a: 10)}.r") == 9


def test_function_in_a_context_variable_is_callable_by_path() -> None:
    assert evaluate_json("{math: {inc: function(x) x + 1}, r: math.inc(1)}.r") == 2
