"""Syntax tree produced by :mod:`engine.feel.parser` and compiled by :mod:`engine.feel.evaluator`.

Nodes are immutable and carry no behaviour: keeping the tree plain lets the parser be tested on
its own and lets the compiler choose how to evaluate each node.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "And",
    "Arithmetic",
    "Between",
    "Call",
    "Comparison",
    "Const",
    "ContextLiteral",
    "Every",
    "Filter",
    "For",
    "FunctionDefinition",
    "If",
    "In",
    "InputValue",
    "InstanceOf",
    "Interval",
    "IterationRange",
    "ListLiteral",
    "Name",
    "Negation",
    "Node",
    "Or",
    "Path",
    "Some",
    "UnaryComparison",
    "UnaryExpression",
    "UnaryTest",
]

ArithmeticOperator = Literal["+", "-", "*", "/", "**"]
ComparisonOperator = Literal["=", "!=", "<", "<=", ">", ">="]


@dataclass(frozen=True, slots=True)
class Const:
    """A literal whose value is known at parse time (numbers, strings, booleans, null, temporals)."""

    value: Any


@dataclass(frozen=True, slots=True)
class Name:
    name: str


@dataclass(frozen=True, slots=True)
class InputValue:
    """``?``: the value under test inside a unary test."""


@dataclass(frozen=True, slots=True)
class Path:
    base: Node
    key: str


@dataclass(frozen=True, slots=True)
class Filter:
    base: Node
    condition: Node


@dataclass(frozen=True, slots=True)
class ListLiteral:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class ContextLiteral:
    entries: tuple[tuple[str, Node], ...]


@dataclass(frozen=True, slots=True)
class Negation:
    operand: Node


@dataclass(frozen=True, slots=True)
class Arithmetic:
    operator: ArithmeticOperator
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Comparison:
    operator: ComparisonOperator
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Between:
    value: Node
    low: Node
    high: Node


@dataclass(frozen=True, slots=True)
class And:
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Or:
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class If:
    condition: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True, slots=True)
class IterationRange:
    """``1..3`` as the domain of a ``for``/``some``/``every`` iterator."""

    start: Node
    end: Node


@dataclass(frozen=True, slots=True)
class For:
    iterators: tuple[tuple[str, Node], ...]
    body: Node


@dataclass(frozen=True, slots=True)
class Some:
    iterators: tuple[tuple[str, Node], ...]
    condition: Node


@dataclass(frozen=True, slots=True)
class Every:
    iterators: tuple[tuple[str, Node], ...]
    condition: Node


@dataclass(frozen=True, slots=True)
class InstanceOf:
    value: Node
    type_name: str


@dataclass(frozen=True, slots=True)
class UnaryComparison:
    """``< 5`` in ``x in < 5``."""

    operator: Literal["<", "<=", ">", ">=", "="]
    endpoint: Node


@dataclass(frozen=True, slots=True)
class Interval:
    """``[1..5)``; ``start_closed``/``end_closed`` say whether the bound itself is included."""

    start_closed: bool
    start: Node
    end: Node
    end_closed: bool


@dataclass(frozen=True, slots=True)
class UnaryExpression:
    """Any other expression used as a test: true, a list containing the value, or equal to it."""

    expression: Node


UnaryTest = UnaryComparison | Interval | UnaryExpression


@dataclass(frozen=True, slots=True)
class In:
    value: Node
    tests: tuple[UnaryTest, ...]


@dataclass(frozen=True, slots=True)
class Call:
    """A function invocation; ``callee`` is set for ``ctx.f(x)``, else ``name`` is looked up."""

    name: str
    arguments: tuple[Node, ...] = ()
    named_arguments: tuple[tuple[str, Node], ...] | None = None
    callee: Node | None = None


@dataclass(frozen=True, slots=True)
class FunctionDefinition:
    parameters: tuple[str, ...]
    body: Node


Node = (
    Const
    | Name
    | InputValue
    | Path
    | Filter
    | ListLiteral
    | ContextLiteral
    | Negation
    | Arithmetic
    | Comparison
    | Between
    | And
    | Or
    | If
    | IterationRange
    | For
    | Some
    | Every
    | InstanceOf
    | In
    | Call
    | FunctionDefinition
)
