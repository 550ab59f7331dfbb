"""Exceptions raised by the FEEL engine.

Only two kinds of failure escape: the text is not FEEL (:class:`FeelSyntaxError`, raised at
compile time so a broken diagram is rejected at deployment) or the expression cannot be evaluated
at all (:class:`FeelEvaluationError`, which the engine turns into an incident). Type mismatches
inside an expression are not failures: like feel-scala, they produce ``null``.
"""

from __future__ import annotations

__all__ = ["FeelError", "FeelEvaluationError", "FeelSyntaxError"]


class FeelError(Exception):
    """Common base so callers can handle every FEEL problem in one ``except``."""


class FeelSyntaxError(FeelError):
    """The source is not a valid FEEL expression; carries the offending position for the modeller."""

    def __init__(self, source: str, reason: str, position: int) -> None:
        self.source = source
        self.reason = reason
        self.position = position
        super().__init__(f"failed to parse expression {source!r}: {reason} at position {position}")


class FeelEvaluationError(FeelError):
    """The expression cannot produce any value (e.g. it calls a function that does not exist)."""
