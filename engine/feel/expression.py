"""The public entry point: compile FEEL text once, evaluate it against many variable sets."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from typing import Any

from engine.feel.builtins import CLOCK
from engine.feel.errors import FeelEvaluationError, FeelSyntaxError
from engine.feel.evaluator import Evaluator, Scope, compile_tree
from engine.feel.parser import parse
from engine.feel.values import from_json

__all__ = ["Expression", "compile_expression"]


class Expression:
    """A compiled FEEL expression; immutable and safe to share between threads."""

    __slots__ = ("_evaluator", "_names", "source")

    def __init__(self, source: str, evaluator: Evaluator, names: frozenset[str]) -> None:
        self.source = source
        self._evaluator = evaluator
        self._names = names

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"

    def evaluate(self, variables: Mapping[str, Any], *, now: dt.datetime | None = None) -> Any:
        """Evaluate against ``variables`` (JSON-like values; ints and floats are read as numbers).

        Only the variables the expression names are converted, so a large process scope costs
        nothing. ``now`` pins the result of ``now()``/``today()``, e.g. to the engine's clock.
        Raises :class:`FeelEvaluationError` if the expression cannot produce a value at all.
        """
        token = CLOCK.set(now) if now is not None else None
        try:
            root = {name: from_json(variables[name]) for name in self._names if name in variables}
            return self._evaluator(Scope(root))
        except FeelEvaluationError as error:
            raise FeelEvaluationError(f"failed to evaluate expression {self.source!r}: {error}") from error
        except RecursionError as error:
            raise FeelEvaluationError(
                f"failed to evaluate expression {self.source!r}: too deeply nested"
            ) from error
        finally:
            if token is not None:
                CLOCK.reset(token)


@functools.lru_cache(maxsize=4096)
def compile_expression(source: str) -> Expression:
    """Parse and compile ``source`` (FEEL text without Zeebe's leading ``=``).

    Raises :class:`FeelSyntaxError` with the position of the first problem. Results are cached,
    since a process definition evaluates the same few expressions over and over.
    """
    try:
        evaluator, names = compile_tree(parse(source))
    except RecursionError:
        raise FeelSyntaxError(source, "expression is too deeply nested", 0) from None
    return Expression(source, evaluator, names)
