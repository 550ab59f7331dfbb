"""Compile a FEEL syntax tree into nested Python closures.

Compiling once and evaluating many times is what makes expressions cheap in the engine: all the
decisions that depend only on the text (which operator, which built-in overload, whether a
filter is an index or a condition) are taken here, and evaluation is just closure calls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any, Final
from zoneinfo import ZoneInfo

from engine.feel import ast, builtins, operators
from engine.feel.errors import FeelEvaluationError
from engine.feel.temporal import YearsMonthsDuration
from engine.feel.values import FeelFunction, feel_equal, type_name

__all__ = ["Evaluator", "Scope", "compile_tree"]

_EMPTY: Final[Mapping[str, Any]] = {}


class Scope:
    """Variables visible to an expression: a chain of mappings, innermost first.

    Mappings are referenced, not copied, so entering a filter over a list of contexts costs one
    small object per item.
    """

    __slots__ = ("parent", "variables")

    def __init__(self, variables: Mapping[str, Any], parent: Scope | None = None) -> None:
        self.variables = variables
        self.parent = parent

    def lookup(self, name: str) -> Any:
        """The value of ``name``, or ``None`` if it is not defined (FEEL: a missing variable is null)."""
        scope: Scope | None = self
        while scope is not None:
            variables = scope.variables
            if name in variables:
                return variables[name]
            scope = scope.parent
        return None


Evaluator = Callable[[Scope], Any]

_INPUT: Final = "?"

_COMPARISONS: Final[dict[str, Callable[[Any, Any], bool | None]]] = {
    "=": operators.equal,
    "!=": operators.not_equal,
    "<": operators.less,
    "<=": operators.less_or_equal,
    ">": operators.greater,
    ">=": operators.greater_or_equal,
}
_ARITHMETIC: Final[dict[str, Callable[[Any, Any], Any]]] = {
    "+": operators.add,
    "-": operators.subtract,
    "*": operators.multiply,
    "/": operators.divide,
    "**": operators.power,
}
# Alternative spellings accepted by feel-scala after ``instance of``.
_TYPE_ALIASES: Final = {
    "date time": "date and time",
    "year-month-duration": "years and months duration",
    "day-time-duration": "days and time duration",
}
# Filter conditions of these kinds are always evaluated per item (never read as an index).
_CONDITION_NODES: Final = (
    ast.Comparison,
    ast.Between,
    ast.And,
    ast.Or,
    ast.In,
    ast.InstanceOf,
    ast.Call,
    ast.Some,
    ast.Every,
)


def compile_tree(node: ast.Node) -> tuple[Evaluator, frozenset[str]]:
    """Compile ``node``; also return the free variable names, the only ones the caller must supply."""
    compiler = _Compiler()
    return compiler.compile(node), frozenset(compiler.names)


class _Compiler:
    def __init__(self) -> None:
        self.names: set[str] = set()

    def compile(self, node: ast.Node) -> Evaluator:
        method: Callable[[Any], Evaluator] = getattr(self, "compile_" + type(node).__name__)
        return method(node)

    # -- values --------------------------------------------------------------------------------

    def compile_Const(self, node: ast.Const) -> Evaluator:
        value = node.value
        return lambda scope: value

    def compile_Name(self, node: ast.Name) -> Evaluator:
        name = node.name
        self.names.add(name)
        return lambda scope: scope.lookup(name)

    def compile_InputValue(self, node: ast.InputValue) -> Evaluator:
        return lambda scope: scope.lookup(_INPUT)

    def compile_ListLiteral(self, node: ast.ListLiteral) -> Evaluator:
        items = [self.compile(item) for item in node.items]
        return lambda scope: [item(scope) for item in items]

    def compile_ContextLiteral(self, node: ast.ContextLiteral) -> Evaluator:
        entries = [(key, self.compile(value)) for key, value in node.entries]

        def context(scope: Scope) -> dict[str, Any]:
            result: dict[str, Any] = {}
            inner = Scope(result, scope)  # later entries see the earlier ones
            for key, value in entries:
                result[key] = value(inner)
            return result

        return context

    def compile_Path(self, node: ast.Path) -> Evaluator:
        base = self.compile(node.base)
        key = node.key
        return lambda scope: _path(base(scope), key)

    def compile_Filter(self, node: ast.Filter) -> Evaluator:
        base = self.compile(node.base)
        condition_node = node.condition
        if isinstance(condition_node, ast.Const) and type(condition_node.value) is Decimal:
            position = condition_node.value
            return lambda scope: _index(items, position) if isinstance(items := base(scope), list) else None
        condition = self.compile(condition_node)
        always_per_item = isinstance(condition_node, _CONDITION_NODES)

        def filter_list(scope: Scope) -> Any:
            items = base(scope)
            if not isinstance(items, list):
                return None
            if not always_per_item:
                position = condition(scope)
                if type(position) is Decimal:
                    return _index(items, position)
            return _filter(items, condition, scope)

        return filter_list

    # -- arithmetic and comparison -------------------------------------------------------------

    def compile_Negation(self, node: ast.Negation) -> Evaluator:
        operand = self.compile(node.operand)
        return lambda scope: operators.negate(operand(scope))

    def compile_Arithmetic(self, node: ast.Arithmetic) -> Evaluator:
        operation = _ARITHMETIC[node.operator]
        left, right = self.compile(node.left), self.compile(node.right)
        return lambda scope: operation(left(scope), right(scope))

    def compile_Comparison(self, node: ast.Comparison) -> Evaluator:
        operation = _COMPARISONS[node.operator]
        left, right = self.compile(node.left), self.compile(node.right)
        return lambda scope: operation(left(scope), right(scope))

    def compile_Between(self, node: ast.Between) -> Evaluator:
        value, low, high = self.compile(node.value), self.compile(node.low), self.compile(node.high)

        def between(scope: Scope) -> bool | None:
            subject = value(scope)
            return _and(
                operators.greater_or_equal(subject, low(scope)),
                lambda: operators.less_or_equal(subject, high(scope)),
            )

        return between

    # -- logic and control flow ----------------------------------------------------------------

    def compile_And(self, node: ast.And) -> Evaluator:
        left, right = self.compile(node.left), self.compile(node.right)
        return lambda scope: _and(left(scope), lambda: right(scope))

    def compile_Or(self, node: ast.Or) -> Evaluator:
        left, right = self.compile(node.left), self.compile(node.right)
        return lambda scope: _or(left(scope), lambda: right(scope))

    def compile_If(self, node: ast.If) -> Evaluator:
        condition, then, otherwise = (
            self.compile(part) for part in (node.condition, node.then, node.otherwise)
        )
        return lambda scope: then(scope) if condition(scope) is True else otherwise(scope)

    def compile_InstanceOf(self, node: ast.InstanceOf) -> Evaluator:
        value = self.compile(node.value)
        wanted = _TYPE_ALIASES.get(node.type_name, node.type_name)
        if wanted == "Any":
            return lambda scope: value(scope) is not None
        return lambda scope: type_name(value(scope)) == wanted

    def compile_In(self, node: ast.In) -> Evaluator:
        value = self.compile(node.value)
        tests = [self.compile_test(test) for test in node.tests]
        if len(tests) == 1:
            test = tests[0]
            return lambda scope: test(value(scope), scope)

        def any_test(scope: Scope) -> bool | None:
            subject = value(scope)
            result: bool | None = False
            for test in tests:
                outcome = test(subject, scope)
                if outcome is True:
                    return True
                if outcome is not False:
                    result = None
            return result

        return any_test

    def compile_test(self, test: ast.UnaryTest) -> Callable[[Any, Scope], bool | None]:
        if isinstance(test, ast.UnaryComparison):
            operation = _COMPARISONS[test.operator]
            endpoint = self.compile(test.endpoint)
            return lambda subject, scope: operation(subject, endpoint(scope))
        if isinstance(test, ast.Interval):
            return self.compile_interval(test)
        expression = self.compile(test.expression)
        return lambda subject, scope: _matches(subject, expression(Scope({_INPUT: subject}, scope)))

    def compile_interval(self, test: ast.Interval) -> Callable[[Any, Scope], bool | None]:
        start, end = self.compile(test.start), self.compile(test.end)
        above = operators.greater_or_equal if test.start_closed else operators.greater
        below = operators.less_or_equal if test.end_closed else operators.less

        def interval(subject: Any, scope: Scope) -> bool | None:
            low, high = above(subject, start(scope)), below(subject, end(scope))
            if low is None or high is None:
                return None
            return low and high

        return interval

    # -- iteration -----------------------------------------------------------------------------

    def compile_iterators(self, iterators: tuple[tuple[str, ast.Node], ...]) -> list[tuple[str, Evaluator]]:
        compiled: list[tuple[str, Evaluator]] = []
        for name, domain in iterators:
            if isinstance(domain, ast.IterationRange):
                compiled.append((name, self.compile_range(domain)))
            else:
                compiled.append((name, _list_only(self.compile(domain))))
        return compiled

    def compile_range(self, node: ast.IterationRange) -> Evaluator:
        start, end = self.compile(node.start), self.compile(node.end)

        def numbers(scope: Scope) -> Iterable[Decimal] | None:
            first, last = start(scope), end(scope)
            if type(first) is not Decimal or type(last) is not Decimal:
                return None
            step = 1 if last >= first else -1
            count = int(abs(last - first)) + 1
            return (first + step * index for index in range(count))

        return numbers

    def compile_IterationRange(self, node: ast.IterationRange) -> Evaluator:
        numbers = self.compile_range(node)

        def as_list(scope: Scope) -> list[Decimal] | None:
            result = numbers(scope)
            return None if result is None else list(result)

        return as_list

    def compile_For(self, node: ast.For) -> Evaluator:
        iterators = self.compile_iterators(node.iterators)
        body = self.compile(node.body)
        needs_partial = "partial" in _names_in(node.body)

        def for_loop(scope: Scope) -> list[Any] | None:
            results: list[Any] = []
            try:
                for variables in _bindings(iterators, scope):
                    if needs_partial:
                        variables["partial"] = list(results)
                    results.append(body(Scope(variables, scope)))
            except _NotAList:
                return None
            return results

        return for_loop

    def compile_Some(self, node: ast.Some) -> Evaluator:
        return self.compile_quantifier(node.iterators, node.condition, stop_at=True)

    def compile_Every(self, node: ast.Every) -> Evaluator:
        return self.compile_quantifier(node.iterators, node.condition, stop_at=False)

    def compile_quantifier(
        self, iterators_node: tuple[tuple[str, ast.Node], ...], condition_node: ast.Node, *, stop_at: bool
    ) -> Evaluator:
        iterators = self.compile_iterators(iterators_node)
        condition = self.compile(condition_node)

        def quantifier(scope: Scope) -> bool | None:
            result: bool | None = not stop_at
            try:
                for variables in _bindings(iterators, scope):
                    outcome = condition(Scope(variables, scope))
                    if outcome is stop_at:
                        return outcome is True
                    if not isinstance(outcome, bool):
                        result = None
            except _NotAList:
                return None
            return result

        return quantifier

    # -- functions -----------------------------------------------------------------------------

    def compile_FunctionDefinition(self, node: ast.FunctionDefinition) -> Evaluator:
        parameters = node.parameters
        body = self.compile(node.body)

        def define(scope: Scope) -> FeelFunction:
            def invoke(arguments: list[Any]) -> Any:
                return body(Scope(dict(zip(parameters, arguments, strict=False)), scope))

            return FeelFunction("function", parameters, invoke)

        return define

    def compile_Call(self, node: ast.Call) -> Evaluator:
        name = node.name
        if node.named_arguments is not None:
            return self.compile_named_call(node, node.named_arguments)
        arguments = [self.compile(argument) for argument in node.arguments]
        count = len(arguments)
        if node.callee is not None:
            callee = self.compile(node.callee)
            return lambda scope: _invoke_value(
                _path(callee(scope), name), name, [argument(scope) for argument in arguments]
            )
        overload = builtins.find_builtin(name, count)

        def call(scope: Scope) -> Any:
            values = [argument(scope) for argument in arguments]
            defined = scope.lookup(name) if scope.parent is not None else None
            if isinstance(defined, FeelFunction):
                return _invoke_value(defined, name, values)
            if overload is None:
                raise FeelEvaluationError(_no_function(name, count))
            return builtins.invoke_builtin(overload, values)

        return call

    def compile_named_call(self, node: ast.Call, named: tuple[tuple[str, ast.Node], ...]) -> Evaluator:
        name = node.name
        arguments = {parameter: self.compile(argument) for parameter, argument in named}
        overload = builtins.find_builtin_by_names(name, frozenset(arguments))
        callee = None if node.callee is None else self.compile(node.callee)

        def call(scope: Scope) -> Any:
            values = {parameter: argument(scope) for parameter, argument in arguments.items()}
            if callee is not None:
                defined = _path(callee(scope), name)
            else:
                defined = scope.lookup(name) if scope.parent is not None else None
            if isinstance(defined, FeelFunction):
                if not set(values) <= set(defined.parameters):
                    raise FeelEvaluationError(_no_function(name, len(values), named=sorted(values)))
                return defined.invoke([values.get(parameter) for parameter in defined.parameters])
            if overload is None or callee is not None:
                raise FeelEvaluationError(_no_function(name, len(values), named=sorted(values)))
            ordered = [values.get(parameter) for parameter in overload.parameters]
            return builtins.invoke_builtin(overload, ordered, named=True)

        return call


# -- runtime helpers ----------------------------------------------------------------------------


def _list_only(items: Evaluator) -> Evaluator:
    """An iteration domain must be a list; anything else makes the whole ``for``/``some`` null."""

    def domain(scope: Scope) -> list[Any] | None:
        value = items(scope)
        return value if isinstance(value, list) else None

    return domain


def _no_function(name: str, count: int, *, named: list[str] | None = None) -> str:
    if named is not None:
        return f"no function found with name '{name}' and parameters {', '.join(named)}"
    return f"no function found with name '{name}' and {count} parameter(s)"


def _invoke_value(function: Any, name: str, arguments: list[Any]) -> Any:
    if not isinstance(function, FeelFunction) or len(arguments) > len(function.parameters):
        raise FeelEvaluationError(_no_function(name, len(arguments)))
    return function.invoke(arguments)


def _and(left: Any, right: Callable[[], Any]) -> bool | None:
    """Three-valued ``and``: false wins over null; the right side is skipped once the left is false."""
    if left is False:
        return False
    value = right()
    if value is False:
        return False
    if left is True and value is True:
        return True
    return None


def _or(left: Any, right: Callable[[], Any]) -> bool | None:
    """Three-valued ``or``: true wins over null; the right side is skipped once the left is true."""
    if left is True:
        return True
    value = right()
    if value is True:
        return True
    if left is False and value is False:
        return False
    return None


def _matches(subject: Any, expected: Any) -> bool | None:
    """A unary test that is an expression: true, a list containing the value, or equal to it."""
    if expected is True:
        return True
    if isinstance(expected, list) and any(
        (item is None and subject is None) or feel_equal(item, subject) is True for item in expected
    ):
        return True
    equal = feel_equal(subject, expected)
    if equal is True:
        return True
    if expected is False or isinstance(expected, list):
        return False
    return None if equal is None else False


def _index(items: list[Any], position: Decimal) -> Any:
    """1-based index; negative counts from the end; out of range is null."""
    index = int(position)
    index = index - 1 if index > 0 else len(items) + index
    return items[index] if 0 <= index < len(items) else None


def _filter(items: list[Any], condition: Evaluator, scope: Scope) -> Any:
    result: list[Any] = []
    for position, item in enumerate(items):
        inner = Scope({"item": item}, scope)
        if type(item) is dict:
            inner = Scope(item, inner)  # an item's own keys shadow ``item``, as in feel-scala
        outcome = condition(inner)
        if outcome is True:
            result.append(item)
        elif position == 0 and type(outcome) is Decimal:
            return _index(items, outcome)  # e.g. ``xs[count(xs)]``: the condition is an index
    return result


class _NotAList(Exception):
    """An iteration domain is not a list: the whole ``for``/``some``/``every`` is null."""


def _bindings(iterators: list[tuple[str, Evaluator]], scope: Scope) -> Iterator[dict[str, Any]]:
    """Every combination of iterator values, lazily (a long range costs no memory up front).

    Later domains may use the names bound by earlier ones (``for o in orders, l in o.lines``).
    Raises :class:`_NotAList` when a domain is not a list.
    """
    if len(iterators) == 1:  # the common case, without the recursion
        name, domain = iterators[0]
        values = domain(scope)
        if values is None:
            raise _NotAList
        return ({name: value} for value in values)
    last = len(iterators) - 1

    def expand(index: int, variables: dict[str, Any]) -> Iterator[dict[str, Any]]:
        name, domain = iterators[index]
        values = domain(Scope(variables, scope) if variables else scope)
        if values is None:
            raise _NotAList
        for value in values:
            if index == last:
                yield {**variables, name: value}
            else:
                yield from expand(index + 1, {**variables, name: value})

    return expand(0, {})


def _path(value: Any, key: str) -> Any:
    """``value.key``: a context entry, a property of a temporal value, or mapped over a list."""
    if type(value) is dict:
        return value.get(key)
    if value is None:
        return None
    if isinstance(value, list):
        return [_path(item, key) for item in value]
    if isinstance(value, Mapping):
        return value.get(key)
    return _property(value, key)


def _property(value: Any, key: str) -> Any:
    if isinstance(value, dt.timedelta):
        return _duration_property(value, key)
    if isinstance(value, YearsMonthsDuration):
        if key == "years":
            return Decimal(value.years)
        if key == "months":
            return Decimal(value.remaining_months)
        return None
    if isinstance(value, dt.date):
        date_property = _date_property(value, key)
        if date_property is not None or not isinstance(value, dt.datetime):
            return date_property
    if isinstance(value, dt.datetime | dt.time):
        return _time_property(value, key)
    return None


def _date_property(value: dt.date, key: str) -> Decimal | None:
    if key == "year":
        return Decimal(value.year)
    if key == "month":
        return Decimal(value.month)
    if key == "day":
        return Decimal(value.day)
    if key == "weekday":
        return Decimal(value.isoweekday())
    return None


def _time_property(value: dt.datetime | dt.time, key: str) -> Any:
    if key == "hour":
        return Decimal(value.hour)
    if key == "minute":
        return Decimal(value.minute)
    if key == "second":
        return Decimal(value.second)
    if key == "time offset":
        return value.utcoffset()
    if key == "timezone":
        return value.tzinfo.key if isinstance(value.tzinfo, ZoneInfo) else None
    return None


def _duration_property(value: dt.timedelta, key: str) -> Decimal | None:
    sign = -1 if value < dt.timedelta(0) else 1
    seconds = int(abs(value).total_seconds())
    parts = {
        "days": seconds // 86400,
        "hours": seconds // 3600 % 24,
        "minutes": seconds // 60 % 60,
        "seconds": seconds % 60,
    }
    part = parts.get(key)
    return None if part is None else Decimal(sign * part)


def _names_in(node: Any) -> Iterator[str]:
    """Every variable name referenced under ``node`` (used to bind ``partial`` only when needed)."""
    if isinstance(node, ast.Name):
        yield node.name
    elif isinstance(node, tuple):
        for child in node:
            yield from _names_in(child)
    elif hasattr(node, "__slots__") and not isinstance(node, str | Decimal):
        for slot in node.__slots__:
            yield from _names_in(getattr(node, slot))
