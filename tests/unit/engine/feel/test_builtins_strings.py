"""String built-ins (feel-scala semantics: 1-based positions, Java regular expressions)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.engine.feel.support import evaluate_json


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('substring("foobar", 3)', "obar"),
        ('substring("foobar", 3, 3)', "oba"),
        ('substring("foobar", -2)', "ar"),
        ('substring("foobar", -3, 2)', "ba"),
        ('substring("foobar", 1, 100)', "foobar"),
        ('substring("foobar", 10)', None),
        ('substring(string: "foobar", start position: 4)', "bar"),
        ('string length("héllo")', 5),
        ('upper case("aBc")', "ABC"),
        ('lower case("aBc")', "abc"),
        ('substring before("foobar", "bar")', "foo"),
        ('substring before("foobar", "xyz")', ""),
        ('substring after("foobar", "ob")', "ar"),
        ('substring after("foobar", "xyz")', ""),
        ('contains("foobar", "oba")', True),
        ('contains("foobar", "x")', False),
        ('starts with("foobar", "foo")', True),
        ('ends with("foobar", "bar")', True),
        ('matches("foobar", "^fo+")', True),
        ('matches("FOO", "foo", "i")', True),
        ('matches("foo", "[")', None),
        ('replace("abcd", "(ab)|(a)", "[1=$1][2=$2]")', "[1=ab][2=]cd"),
        ('replace("a.b.c", "\\.", "/")', "a/b/c"),
        ('replace("Hello", "L", "x", "i")', "Hexxo"),
        ('replace("price: 5", "\\d", "\\$")', "price: $"),
        ('split("a,b,,c", ",")', ["a", "b", "", "c"]),
        ('split("a1b22c", "\\d+")', ["a", "b", "c"]),
        ('split("a-b", "(-)")', ["a", "b"]),
        ('extract("a1b22c333", "\\d+")', ["1", "22", "333"]),
        ('trim("  x y  ")', "x y"),
        ('string join(["a", "b", "c"])', "abc"),
        ('string join(["a", null, "c"], "-")', "a-c"),
        ('string join(["a", "b"], ", ", "[", "]")', "[a, b]"),
        ('string join(["a", 1])', None),
        ('to base64("FEEL")', "RkVFTA=="),
        ('from base64("RkVFTA==")', "FEEL"),
        ('from base64("%%%")', None),
        ('is blank("  ")', True),
        ('is blank(" x ")', False),
    ],
)
def test_string_built_ins(source: str, expected: Any) -> None:
    assert evaluate_json(source) == expected


@pytest.mark.parametrize(
    "source",
    ["upper case(5)", "string length(null)", 'contains(null, "a")', 'substring("abc", "1")', "trim([1])"],
)
def test_string_built_in_with_wrong_argument_type_is_null(source: str) -> None:
    assert evaluate_json(source) is None


def test_uuid_is_a_random_uuid_string() -> None:
    first, second = evaluate_json("uuid()"), evaluate_json("uuid()")
    assert len(first) == 36
    assert first.count("-") == 4
    assert first != second
