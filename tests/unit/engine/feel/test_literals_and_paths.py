"""Literals, variables, contexts, paths and list filters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from engine.feel import YearsMonthsDuration
from tests.unit.engine.feel.support import evaluate, evaluate_json


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("42", Decimal(42)),
        ("1.50", Decimal("1.50")),
        (".5", Decimal("0.5")),
        ("-3", Decimal(-3)),
        ("true", True),
        ("false", False),
        ("null", None),
        ('"text"', "text"),
    ],
)
def test_simple_literals_evaluate_to_their_value(source: str, expected: Any) -> None:
    result = evaluate(source)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (r'"line\nbreak"', "line\nbreak"),
        (r'"tab\there"', "tab\there"),
        (r'"say \"hi\""', 'say "hi"'),
        (r'"back\\slash"', "back\\slash"),
        (r'"\u00e9t\u00e9"', "été"),
        (r'"\d+"', "\\d+"),
    ],
    ids=["newline", "tab", "quote", "backslash", "unicode", "unknown-escape-kept-for-regex"],
)
def test_string_escapes_are_decoded(source: str, expected: str) -> None:
    assert evaluate(source) == expected


def test_list_literal_evaluates_each_item() -> None:
    assert evaluate_json('[1, "a", [true, null], 1 + 1]') == [1, "a", [True, None], 2]


def test_empty_list_literal_is_an_empty_list() -> None:
    assert evaluate("[]") == []


def test_context_literal_accepts_names_strings_and_spaced_keys() -> None:
    assert evaluate_json('{a: 1, "b c": 2, first name: "Ada", `d e`: 3}') == {
        "a": 1,
        "b c": 2,
        "first name": "Ada",
        "d e": 3,
    }


def test_context_entries_can_reference_earlier_entries() -> None:
    assert evaluate_json("{a: 1, b: a + 1, c: b * 10}") == {"a": 1, "b": 2, "c": 20}


def test_context_entry_shadows_a_variable_of_the_same_name() -> None:
    assert evaluate_json("{a: 5, b: a}.b", {"a": 1}) == 5


def test_empty_context_literal_is_an_empty_context() -> None:
    assert evaluate("{}") == {}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('@"2025-01-31"', dt.date(2025, 1, 31)),
        ('@"10:15:00"', dt.time(10, 15)),
        ('@"2025-01-31T10:15:00"', dt.datetime(2025, 1, 31, 10, 15)),
        ('@"2025-01-31T10:15:00Z"', dt.datetime(2025, 1, 31, 10, 15, tzinfo=dt.UTC)),
        ('@"PT5M"', dt.timedelta(minutes=5)),
        ('@"P1Y2M"', YearsMonthsDuration(14)),
        ('@"not a date"', None),
    ],
)
def test_temporal_literal_is_recognised_by_its_shape(source: str, expected: Any) -> None:
    assert evaluate(source) == expected


def test_missing_variable_is_null() -> None:
    assert evaluate("nobody") is None


def test_backtick_name_may_contain_spaces_and_symbols() -> None:
    assert evaluate_json("`order-id` + `first name`", {"order-id": "o1", "first name": "/x"}) == "o1/x"


def test_path_reads_nested_context_entries() -> None:
    assert evaluate_json("a.b.c", {"a": {"b": {"c": 7}}}) == 7


@pytest.mark.parametrize(
    "variables",
    [{}, {"a": None}, {"a": {}}, {"a": {"b": None}}, {"a": {"b": 1}}, {"a": "text"}],
    ids=["no-variable", "null-variable", "missing-key", "null-entry", "number-entry", "string"],
)
def test_path_through_missing_or_non_context_values_is_null(variables: dict[str, Any]) -> None:
    assert evaluate("a.b.c", variables) is None


def test_path_on_a_list_maps_over_its_items() -> None:
    items = [{"sku": "A"}, {"sku": "B"}, {"other": 1}]
    assert evaluate_json("items.sku", {"items": items}) == ["A", "B", None]


def test_path_on_nested_lists_maps_recursively() -> None:
    orders = [{"lines": [{"sku": "A"}, {"sku": "B"}]}, {"lines": [{"sku": "C"}]}]
    assert evaluate_json("orders.lines.sku", {"orders": orders}) == [["A", "B"], ["C"]]


def test_path_can_follow_a_context_literal() -> None:
    assert evaluate_json('{customer: {id: "c"}}.customer.id') == "c"


@pytest.mark.parametrize(
    ("index", "expected"),
    [("1", "a"), ("3", "c"), ("-1", "c"), ("-3", "a"), ("4", None), ("-4", None), ("0", None)],
)
def test_list_index_is_one_based_and_negative_counts_from_the_end(index: str, expected: Any) -> None:
    assert evaluate(f'["a", "b", "c"][{index}]') == expected


def test_list_index_can_come_from_a_variable() -> None:
    assert evaluate("xs[i]", {"xs": ["a", "b"], "i": 2}) == "b"


def test_list_index_can_come_from_a_function() -> None:
    assert evaluate("xs[count(xs)]", {"xs": ["a", "b"]}) == "b"


def test_filter_keeps_items_whose_condition_is_true() -> None:
    assert evaluate_json("[1, 5, 2, 7][item > 3]") == [5, 7]


def test_filter_sees_the_keys_of_context_items() -> None:
    items = [{"qty": 0}, {"qty": 3}, {"qty": None}, {}]
    assert evaluate_json("items[qty > 0]", {"items": items}) == [{"qty": 3}]


def test_filter_item_keys_shadow_outer_variables() -> None:
    assert evaluate_json("items[qty = qty]", {"qty": 99, "items": [{"qty": 1}]}) == [{"qty": 1}]


def test_filter_can_compare_with_outer_variables() -> None:
    items = [{"qty": 1}, {"qty": 5}]
    assert evaluate_json("items[qty >= minimum]", {"items": items, "minimum": 2}) == [{"qty": 5}]


def test_filter_with_no_match_is_an_empty_list() -> None:
    assert evaluate("[1, 2][item > 5]") == []


def test_filter_on_an_empty_list_is_an_empty_list() -> None:
    assert evaluate("[][item > 5]") == []


def test_filter_on_a_non_list_is_null() -> None:
    assert evaluate("x[item > 1]", {"x": 5}) is None


def test_filters_and_paths_chain() -> None:
    orders = [{"lines": [{"sku": "A", "qty": 1}, {"sku": "B", "qty": 0}]}]
    assert evaluate_json("orders[1].lines[qty > 0][1].sku", {"orders": orders}) == "A"


def test_comments_are_ignored() -> None:
    assert evaluate_json("1 + /* inline */ 2 // trailing") == 3
