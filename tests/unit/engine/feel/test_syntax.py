"""How FEEL text is read: multi-word names, keywords, names that contain keywords, operator precedence."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from engine.feel import ast
from engine.feel.parser import parse
from tests.unit.engine.feel.support import evaluate, evaluate_json


@pytest.mark.parametrize(
    "source",
    [
        'upper case("a")',
        'string length("a")',
        'date and time("2025-01-01T00:00:00")',
        'years and months duration(date("2025-01-01"), date("2026-01-01"))',
        "get or else(null, 1)",
        "is defined(1)",
        "list contains([1], 1)",
        'day of week(date("2025-01-01"))',
        "index of([1], 1)",
        'last day of month(date("2025-01-01"))',
    ],
)
def test_multi_word_built_in_names_are_single_function_names(source: str) -> None:
    node = parse(source)
    assert isinstance(node, ast.Call)
    assert " " in node.name


def test_multi_word_name_tolerates_several_spaces() -> None:
    assert evaluate('upper   case("a")') == "A"


def test_named_arguments_may_have_multi_word_names() -> None:
    assert evaluate('substring(string: "hello", start position: 2, length: 3)') == "ell"


@pytest.mark.parametrize(
    ("source", "variables", "expected"),
    [
        ("order.total", {"order": {"total": 1}}, 1),
        ("android", {"android": 2}, 2),
        ("index", {"index": 3}, 3),
        ("notes", {"notes": 4}, 4),
        ("iffy + forty", {"iffy": 1, "forty": 40}, 41),
        ("item", {"item": 5}, 5),
    ],
)
def test_variable_names_may_start_with_keywords(
    source: str, variables: dict[str, Any], expected: Any
) -> None:
    assert evaluate_json(source, variables) == expected


def test_reserved_word_cannot_be_a_variable() -> None:
    with pytest.raises(Exception, match="unexpected token 'then'"):
        parse("then + 1")


def test_comparison_binds_looser_than_arithmetic_and_tighter_than_and() -> None:
    node = parse("a + 1 > b * 2 and c")
    assert isinstance(node, ast.And)
    assert isinstance(node.left, ast.Comparison)
    assert isinstance(node.left.left, ast.Arithmetic)


def test_and_binds_tighter_than_or() -> None:
    assert evaluate("true or false and false") is True


def test_if_branches_can_contain_full_expressions() -> None:
    assert evaluate("if a > 1 and b then for x in [1, 2] return x else null", {"a": 2, "b": True}) == [1, 2]


def test_nested_if_expressions() -> None:
    source = 'if x < 0 then "negative" else if x = 0 then "zero" else "positive"'
    assert [evaluate(source, {"x": value}) for value in (-1, 0, 1)] == ["negative", "zero", "positive"]


def test_negative_number_literal_is_folded_into_a_constant() -> None:
    assert parse("-5") == ast.Const(Decimal(-5))


def test_range_end_bracket_is_not_read_as_a_filter() -> None:
    assert evaluate("5 in ]1..5[") is False


def test_context_keys_may_contain_symbols() -> None:
    assert evaluate_json("{order-id: 1, a.b: 2}") == {"order-id": 1, "a.b": 2}


def test_time_offset_is_a_two_word_property() -> None:
    node = parse("t.time offset")
    assert node == ast.Path(ast.Name("t"), "time offset")
