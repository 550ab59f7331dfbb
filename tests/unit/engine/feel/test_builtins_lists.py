"""List built-ins."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.engine.feel.support import evaluate_json


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("list contains([1, 2, 3], 2)", True),
        ("list contains([1, 2, 3], 2.0)", True),
        ("list contains([1, null], null)", True),
        ("list contains([1], true)", False),
        ('list contains(["a"], "b")', False),
        ("count([1, 2, 3])", 3),
        ("count([])", 0),
        ("min([3, 1, 2])", 1),
        ("min(3, 1, 2)", 1),
        ('max(["a", "c", "b"])', "c"),
        ("max([])", None),
        ('max([1, "a"])', None),
        ('min([date("2025-01-02"), date("2025-01-01")])', "2025-01-01"),
        ("sum([1, 2, 3.5])", 6.5),
        ("sum(1, 2)", 3),
        ("sum([])", None),
        ('sum([1, "a"])', None),
        ("product([2, 3, 4])", 24),
        ("mean([1, 2, 3, 4])", 2.5),
        ("median([3, 1, 2])", 2),
        ("median([1, 2, 3, 4])", 2.5),
        ("mode([1, 2, 2, 3, 3])", [2, 3]),
        ("stddev([2, 4, 7, 5])", 2.0816659994661326),
        ("all([true, true])", True),
        ("all([true, false, null])", False),
        ("all([true, null])", None),
        ("all([])", True),
        ("and([true, true])", True),
        ("any([false, true])", True),
        ("any([false, null])", None),
        ("any([])", False),
        ("or(false, false)", False),
        ("sublist([1, 2, 3, 4], 2)", [2, 3, 4]),
        ("sublist([1, 2, 3, 4], 2, 2)", [2, 3]),
        ("sublist([1, 2, 3, 4], -2)", [3, 4]),
        ("append([1], 2, 3)", [1, 2, 3]),
        ("append([1], [2])", [1, [2]]),
        ("concatenate([1], [2, 3], [])", [1, 2, 3]),
        ("insert before([1, 3], 2, 2)", [1, 2, 3]),
        ("insert before([1, 2], -1, 9)", [1, 9, 2]),
        ("remove([1, 2, 3], 2)", [1, 3]),
        ("remove([1, 2, 3], -1)", [1, 2]),
        ("reverse([1, 2, 3])", [3, 2, 1]),
        ("index of([1, 2, 1], 1)", [1, 3]),
        ("index of([1, 2], 5)", []),
        ("union([1, 2], [2, 3])", [1, 2, 3]),
        ("distinct values([1, 2, 1, 1.0, 3])", [1, 2, 3]),
        ("duplicate values([1, 2, 1, 3, 3])", [1, 3]),
        ("flatten([[1, [2]], [], 3])", [1, 2, 3]),
        ("sort([3, 1, 2])", [1, 2, 3]),
        ("sort([3, 1, 2], function(x, y) x > y)", [3, 2, 1]),
        ('sort(list: ["b", "a"], precedes: function(x, y) x < y)', ["a", "b"]),
        ('sort([1, "a"])', None),
        ("is empty([])", True),
        ("is empty([null])", False),
        ("partition([1, 2, 3, 4, 5], 2)", [[1, 2], [3, 4], [5]]),
        ("partition([1, 2], 0)", None),
    ],
)
def test_list_built_ins(source: str, expected: Any) -> None:
    assert evaluate_json(source) == expected


@pytest.mark.parametrize(
    "source", ["count(5)", "count(null)", 'reverse("abc")', "sum(null)", "flatten({a: 1})"]
)
def test_list_built_in_with_wrong_argument_type_is_null(source: str) -> None:
    assert evaluate_json(source) is None


def test_sort_of_contexts_by_a_key_with_a_precedes_function() -> None:
    items = [{"n": 2}, {"n": 1}]
    assert evaluate_json("sort(items, function(a, b) a.n < b.n).n", {"items": items}) == [1, 2]
