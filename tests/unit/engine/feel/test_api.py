"""The public API of ``engine.feel``: compiling, evaluating, and the errors it raises."""

from __future__ import annotations

from typing import Any

import pytest

import engine.feel
from engine.feel import (
    Expression,
    FeelError,
    FeelEvaluationError,
    FeelSyntaxError,
    compile_expression,
)
from tests.unit.engine.feel.support import evaluate


def test_package_exports_the_documented_names() -> None:
    for name in ("FeelError", "FeelSyntaxError", "FeelEvaluationError", "compile_expression", "Expression"):
        assert name in engine.feel.__all__
    assert {"from_json", "to_json"} <= set(engine.feel.__all__)


def test_errors_share_a_common_base() -> None:
    assert issubclass(FeelSyntaxError, FeelError)
    assert issubclass(FeelEvaluationError, FeelError)


def test_compiled_expression_keeps_its_source() -> None:
    assert compile_expression("a + 1").source == "a + 1"


def test_compiled_expression_can_be_evaluated_many_times_with_different_variables() -> None:
    expression = compile_expression("a * 2")
    assert [expression.evaluate({"a": value}) for value in (1, 2, 3)] == [2, 4, 6]


def test_compiling_the_same_source_twice_returns_the_cached_expression() -> None:
    assert compile_expression("x > 1") is compile_expression("x > 1")


def test_evaluate_accepts_any_mapping_and_ignores_unrelated_variables() -> None:
    class Variables(dict[str, Any]):
        pass

    assert isinstance(compile_expression("a"), Expression)
    assert compile_expression("a").evaluate(Variables(a=1, unrelated=object())) == 1


def test_evaluate_does_not_modify_the_variables() -> None:
    variables = {"items": [{"qty": 1}], "n": 2}
    evaluate("{items: append(items, 5), n: n + 1}", variables)
    assert variables == {"items": [{"qty": 1}], "n": 2}


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("a +", "failed to parse expression 'a +': unexpected end of expression at position 3"),
        ("", "failed to parse expression '': unexpected end of expression at position 0"),
        (
            "(1 + 2",
            "failed to parse expression '(1 + 2': expected ')' but found end of expression at position 6",
        ),
        ("a b", "failed to parse expression 'a b': unexpected token 'b' at position 2"),
        ("1 = 2 = 3", "failed to parse expression '1 = 2 = 3': unexpected token '=' at position 6"),
        (
            "if a then b",
            "failed to parse expression 'if a then b': "
            "expected 'else' but found end of expression at position 11",
        ),
        ('"open', "failed to parse expression '\"open': unterminated string literal at position 0"),
        ("a # b", "failed to parse expression 'a # b': unexpected token '#' at position 2"),
        (
            "{a 1}",
            "failed to parse expression '{a 1}': "
            "expected a context key followed by ':' but found token 'a' at position 1",
        ),
    ],
)
def test_syntax_error_names_the_problem_and_its_position(source: str, message: str) -> None:
    with pytest.raises(FeelSyntaxError) as raised:
        compile_expression(source)
    assert str(raised.value) == message


def test_syntax_error_exposes_source_and_position() -> None:
    with pytest.raises(FeelSyntaxError) as raised:
        compile_expression("1 +* 2")
    assert (raised.value.source, raised.value.position) == ("1 +* 2", 3)


def test_deeply_nested_expression_is_a_syntax_error_not_a_crash() -> None:
    with pytest.raises(FeelSyntaxError, match="too deeply nested"):
        compile_expression("(" * 5000 + "1" + ")" * 5000)


def test_unknown_function_is_an_evaluation_error() -> None:
    expression = compile_expression("foo(1)")
    with pytest.raises(FeelEvaluationError, match=r"no function found with name 'foo' and 1 parameter\(s\)"):
        expression.evaluate({})


def test_evaluation_error_names_the_expression() -> None:
    with pytest.raises(FeelEvaluationError, match=r"^failed to evaluate expression 'foo\(\)'"):
        evaluate("foo()")


def test_built_in_with_too_many_arguments_is_an_evaluation_error() -> None:
    with pytest.raises(
        FeelEvaluationError, match=r"no function found with name 'count' and 2 parameter\(s\)"
    ):
        evaluate("count([1], [2])")


def test_built_in_with_unknown_named_argument_is_an_evaluation_error() -> None:
    with pytest.raises(FeelEvaluationError, match="no function found with name 'count' and parameters size"):
        evaluate("count(size: [1])")


def test_built_in_with_argument_of_wrong_type_is_null_not_an_error() -> None:
    assert evaluate('count("abc")') is None


def test_calling_a_non_function_value_is_an_evaluation_error() -> None:
    with pytest.raises(FeelEvaluationError, match="no function found with name 'f'"):
        evaluate("{f: 1, r: f(2)}.r")


def test_calling_a_lambda_with_too_many_arguments_is_an_evaluation_error() -> None:
    with pytest.raises(FeelEvaluationError, match=r"no function found with name 'f' and 2 parameter\(s\)"):
        evaluate("{f: function(x) x, r: f(1, 2)}.r")


def test_failing_assert_is_an_evaluation_error() -> None:
    with pytest.raises(FeelEvaluationError, match="assertion failed: amount must be positive"):
        evaluate('assert(amount, amount > 0, "amount must be positive")', {"amount": -1})


def test_passing_assert_returns_the_value() -> None:
    assert evaluate("assert(amount, amount > 0)", {"amount": 5}) == 5


def test_unknown_function_in_an_untaken_branch_is_not_an_error() -> None:
    assert evaluate("if true then 1 else foo()") == 1
