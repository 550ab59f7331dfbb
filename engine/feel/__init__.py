"""FEEL (Friendly Enough Expression Language) as Zeebe evaluates it (feel-scala 1.17+), in pure Python.

Usage::

    expression = compile_expression('if total > 100 then "big" else "small"')
    to_json(expression.evaluate({"total": 120}))  # "big"

Numbers are exact decimals, missing variables are null, and type mismatches give null rather than
errors; only syntax errors and calls to functions that do not exist raise.
"""

from engine.feel.errors import FeelError, FeelEvaluationError, FeelSyntaxError
from engine.feel.expression import Expression, compile_expression
from engine.feel.temporal import YearsMonthsDuration
from engine.feel.values import from_json, to_json

__all__ = [
    "Expression",
    "FeelError",
    "FeelEvaluationError",
    "FeelSyntaxError",
    "YearsMonthsDuration",
    "compile_expression",
    "from_json",
    "to_json",
]
