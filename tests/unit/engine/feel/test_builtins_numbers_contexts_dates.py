"""Numeric, context and calendar built-ins."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from engine.feel import compile_expression
from tests.unit.engine.feel.support import evaluate, evaluate_json


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("decimal(1 / 3, 2)", "0.33"),
        ("decimal(2.5, 0)", "2"),
        ("decimal(3.5, 0)", "4"),
        ('decimal(2.5, 0, "half_up")', "3"),
        ("floor(1.7)", "1"),
        ("floor(-1.2)", "-2"),
        ("floor(1.678, 2)", "1.67"),
        ("ceiling(1.2)", "2"),
        ("ceiling(-1.7)", "-1"),
        ("ceiling(1.671, 2)", "1.68"),
        ("round up(5.5, 0)", "6"),
        ("round up(-5.5, 0)", "-6"),
        ("round down(5.5, 0)", "5"),
        ("round half up(5.5, 0)", "6"),
        ("round half up(-5.5, 0)", "-6"),
        ("round half down(5.5, 0)", "5"),
        ("round half up(1234, -2)", "1.2E+3"),
        ("abs(-10)", "10"),
        ("modulo(12, 5)", "2"),
        ("modulo(-12, 5)", "3"),
        ("modulo(12, -5)", "-3"),
        ("modulo(10.1, 4.5)", "1.1"),
        ("sqrt(16)", "4.0"),
        ("log(10)", "2.302585092994046"),
        ("exp(1)", "2.718281828459045"),
    ],
)
def test_numeric_built_ins(source: str, expected: str) -> None:
    assert evaluate(source) == Decimal(expected)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("odd(5)", True),
        ("odd(-5)", True),
        ("odd(4)", False),
        ("even(4)", True),
        ("even(2.5)", False),
        ("modulo(1, 0)", None),
        ("sqrt(-1)", None),
        ("log(0)", None),
        ('floor("1.5")', None),
        ('decimal(1, 2, "sideways")', None),
        ('abs(duration("-PT5M"))', "PT5M"),
        ('abs(duration("-P1Y"))', "P1Y"),
    ],
)
def test_numeric_built_ins_on_edge_cases(source: str, expected: Any) -> None:
    assert evaluate_json(source) == expected


def test_random_number_is_between_zero_and_one() -> None:
    result = evaluate("random number()")
    assert isinstance(result, Decimal)
    assert 0 <= result < 1


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('get value({a: 1}, "a")', 1),
        ('get value({a: 1}, "b")', None),
        ('get value({a: {b: {c: 3}}}, ["a", "b", "c"])', 3),
        ('get value({a: 1}, ["a", "b"])', None),
        ('get value(m: {a: 1}, key: "a")', 1),
        ("get entries({a: 1, b: 2})", [{"key": "a", "value": 1}, {"key": "b", "value": 2}]),
        ('context put({a: 1}, "b", 2)', {"a": 1, "b": 2}),
        ('context put({a: 1}, "a", 2)', {"a": 2}),
        ('context put({a: {b: 1}}, ["a", "c"], 2)', {"a": {"b": 1, "c": 2}}),
        ('context put({}, ["x", "y"], 1)', {"x": {"y": 1}}),
        ("context merge([{a: 1}, {b: 2}, {a: 3}])", {"a": 3, "b": 2}),
        ("context merge({a: 1}, {b: 2})", {"a": 1, "b": 2}),
        ("context merge([{a: 1}, 5])", None),
        ('context([{key: "a", value: 1}, {key: "b", value: 2}])', {"a": 1, "b": 2}),
        ("context([{key: 1, value: 1}])", None),
    ],
)
def test_context_built_ins(source: str, expected: Any) -> None:
    assert evaluate_json(source) == expected


def test_context_put_does_not_change_the_original_context() -> None:
    variables = {"ctx": {"a": 1}}
    evaluate('context put(ctx, "b", 2)', variables)
    assert variables == {"ctx": {"a": 1}}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('day of year(date("2025-02-01"))', 32),
        ('day of week(date("2025-01-01"))', "Wednesday"),
        ('day of week(date and time("2025-01-04T10:00:00Z"))', "Saturday"),
        ('month of year(date("2025-03-01"))', "March"),
        ('week of year(date("2025-01-01"))', 1),
        ('week of year(date("2024-12-30"))', 1),
        ('week of year(date("2021-01-03"))', 53),
        ('last day of month(date("2024-02-10"))', "2024-02-29"),
        ('last day of month(date and time("2025-04-10T10:00:00"))', "2025-04-30"),
        ('day of week("2025-01-01")', None),
    ],
)
def test_calendar_built_ins(source: str, expected: Any) -> None:
    assert evaluate_json(source) == expected


def test_now_and_today_use_the_clock_given_to_evaluate() -> None:
    moment = dt.datetime(2030, 5, 17, 8, 30, tzinfo=dt.UTC)
    expression = compile_expression("[now(), today()]")
    assert expression.evaluate({}, now=moment) == [moment, dt.date(2030, 5, 17)]


def test_now_defaults_to_the_current_utc_time() -> None:
    before = dt.datetime.now(dt.UTC)
    result = evaluate("now()")
    assert before <= result <= dt.datetime.now(dt.UTC)
