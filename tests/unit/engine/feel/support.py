"""Helpers shared by the FEEL tests: evaluate a source text and look at the JSON the engine would store."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.feel import compile_expression, to_json


def evaluate(source: str, variables: Mapping[str, Any] | None = None) -> Any:
    """The raw FEEL value (``Decimal``, ``datetime``...) of ``source``."""
    return compile_expression(source).evaluate(variables or {})


def evaluate_json(source: str, variables: Mapping[str, Any] | None = None) -> Any:
    """The value of ``source`` as Zeebe would write it into the variables document."""
    return to_json(evaluate(source, variables))
