"""FEEL built-in functions (feel-scala's library, minus ranges and Java interop).

Each function is registered with its parameter names, so it can be called positionally or with
named arguments, and several overloads may share a name (``substring`` with 2 or 3 parameters).
Arguments of the wrong type make a function return ``None`` (feel-scala's "Illegal arguments"),
never raise: only an unknown name or an unsupported number of arguments is an error, and that is
decided by the caller (:mod:`engine.feel.evaluator`).
"""

from __future__ import annotations

import base64
import binascii
import calendar
import datetime as dt
import functools
import math
import random
import re
import uuid
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
)
from typing import Any, Final, TypeVar

from engine.feel import temporal
from engine.feel.errors import FeelEvaluationError
from engine.feel.temporal import YearsMonthsDuration
from engine.feel.values import DECIMAL, FeelFunction, compare, feel_equal, to_decimal, to_string, value_kind

__all__ = ["CLOCK", "Builtin", "find_builtin", "find_builtin_by_names", "invoke_builtin"]

# ``now()`` reads this clock; :meth:`Expression.evaluate` sets it when the engine passes its own
# (simulated) time, otherwise the wall clock in UTC is used.
CLOCK: ContextVar[dt.datetime | None] = ContextVar("feel_clock", default=None)

# Failures of a built-in that mean "these arguments make no sense", turned into null.
_ARGUMENT_FAILURES: Final = (
    TypeError,
    ValueError,
    ArithmeticError,
    LookupError,
    OverflowError,
    re.error,
    binascii.Error,
    UnicodeDecodeError,
)


@dataclass(frozen=True, slots=True)
class Builtin:
    """One overload; ``varargs`` collects the remaining positional arguments into the last parameter."""

    name: str
    parameters: tuple[str, ...]
    implementation: Callable[..., Any]
    types: tuple[type | tuple[type, ...] | None, ...]
    varargs: bool = False


_REGISTRY: dict[str, list[Builtin]] = {}
_F = TypeVar("_F", bound=Callable[..., Any])

# Type markers for the ``types`` of an overload; ``None`` accepts anything, including null.
NUMBER: Final = Decimal
STRING: Final = str
LIST: Final = list
CONTEXT: Final = dict
ANY: Final = None
DATE_LIKE: Final = dt.date  # a date or a date-time
DURATION: Final = (dt.timedelta, YearsMonthsDuration)


def _builtin(
    name: str,
    *parameters: tuple[str, type | tuple[type, ...] | None],
    varargs: bool = False,
    aliases: Sequence[str] = (),
) -> Callable[[_F], _F]:
    def register(implementation: _F) -> _F:
        names = tuple(parameter for parameter, _ in parameters)
        types = tuple(kind for _, kind in parameters)
        for alias in (name, *aliases):
            _REGISTRY.setdefault(alias, []).append(Builtin(alias, names, implementation, types, varargs))
        return implementation

    return register


def find_builtin(name: str, count: int) -> Builtin | None:
    """The overload for ``count`` positional arguments: an exact match first, then a varargs one."""
    overloads = _REGISTRY.get(name, ())
    for overload in overloads:
        if len(overload.parameters) == count:
            return overload
    for overload in overloads:
        if overload.varargs and count >= len(overload.parameters) - 1:
            return overload
    return None


def find_builtin_by_names(name: str, names: frozenset[str]) -> Builtin | None:
    """The overload for named arguments: same names first, else the smallest one accepting them all."""
    candidates = [overload for overload in _REGISTRY.get(name, ()) if names <= set(overload.parameters)]
    exact = [overload for overload in candidates if set(overload.parameters) == names]
    if exact:
        return exact[0]
    return min(candidates, key=lambda overload: len(overload.parameters), default=None)


def is_builtin(name: str) -> bool:
    return name in _REGISTRY


def invoke_builtin(builtin: Builtin, arguments: list[Any], *, named: bool = False) -> Any:
    """Call ``builtin``; a type mismatch or an argument the function cannot handle gives ``None``."""
    if builtin.varargs and not named:
        fixed = len(builtin.parameters) - 1
        rest = arguments[fixed:]
        packed = rest[0] if fixed == 0 and len(rest) == 1 and isinstance(rest[0], list) else rest
        arguments = [*arguments[:fixed], packed]
    for argument, expected in zip(arguments, builtin.types, strict=True):
        if expected is not None and not isinstance(argument, expected):
            return None
        if expected is Decimal and isinstance(argument, bool):
            return None
    try:
        return builtin.implementation(*arguments)
    except _ARGUMENT_FAILURES:
        return None


# -- helpers -----------------------------------------------------------------------------------


def _int(number: Decimal) -> int:
    """``BigDecimal.intValue``: truncate toward zero."""
    return int(number)


def _contains(items: list[Any], element: Any) -> bool:
    if element is None:
        return any(item is None for item in items)
    return any(feel_equal(item, element) is True for item in items)


def _distinct(items: list[Any]) -> list[Any]:
    result: list[Any] = []
    for item in items:
        if not _contains(result, item):
            result.append(item)
    return result


def _numbers(items: list[Any]) -> list[Decimal] | None:
    if all(type(item) is Decimal for item in items):
        return items
    return None


def _comparable(items: list[Any]) -> bool:
    if not items:
        return True
    kind = value_kind(items[0])
    return all(value_kind(item) == kind for item in items) and compare(items[0], items[0]) is not None


def _from_float(number: float) -> Decimal | None:
    return to_decimal(number)


def _round(number: Decimal, scale: Decimal, rounding: str) -> Decimal:
    exponent = Decimal((0, (1,), -_int(scale)))
    return number.quantize(exponent, rounding=rounding, context=DECIMAL)


def _list_index(items: list[Any], position: int) -> int:
    return position - 1 if position > 0 else len(items) + position


def _date_part(value: dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


# -- conversion --------------------------------------------------------------------------------

_NUMBER_TEXT: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_DATE_TEXT: Final = re.compile(r"-?\d{4,9}-\d{2}-\d{2}")


@_builtin("string", ("from", ANY))
def _string(value: Any) -> str | None:
    return None if value is None else to_string(value)


def _parse_number(text: str) -> Decimal | None:
    if not _NUMBER_TEXT.fullmatch(text):
        return None
    return DECIMAL.plus(Decimal(text))


@_builtin("number", ("from", STRING))
def _number(text: str) -> Decimal | None:
    return _parse_number(text)


@_builtin("number", ("from", STRING), ("grouping separator", STRING))
def _number_grouped(text: str, grouping: str) -> Decimal | None:
    if grouping not in (" ", ",", "."):
        return None
    return _parse_number(text.replace(grouping, ""))


@_builtin("number", ("from", STRING), ("grouping separator", ANY), ("decimal separator", ANY))
def _number_separated(text: str, grouping: str | None, decimal: str | None) -> Decimal | None:
    if grouping is not None and grouping not in (" ", ",", "."):
        return None
    if decimal is not None and (decimal not in (",", ".") or decimal == grouping):
        return None
    if grouping is not None:
        text = text.replace(grouping, "")
    if decimal is not None:
        text = text.replace(decimal, ".")
    return _parse_number(text)


@_builtin("date", ("from", ANY))
def _date(value: Any) -> dt.date | None:
    if isinstance(value, str):
        return temporal.parse_date(value)
    if isinstance(value, dt.date):
        return _date_part(value)
    return None


@_builtin("date", ("year", NUMBER), ("month", NUMBER), ("day", NUMBER))
def _date_of(year: Decimal, month: Decimal, day: Decimal) -> dt.date:
    return dt.date(_int(year), _int(month), _int(day))


@_builtin("time", ("from", ANY))
def _time(value: Any) -> dt.time | None:
    if isinstance(value, str):
        return temporal.parse_time(value)
    if isinstance(value, dt.datetime):
        return value.timetz()
    if isinstance(value, dt.date):
        return dt.time(tzinfo=dt.UTC)
    if isinstance(value, dt.time):
        return value
    return None


def _time_of_numbers(hour: Decimal, minute: Decimal, second: Decimal) -> dt.time:
    micros = _int((second - _int(second)) * 1_000_000)
    return dt.time(_int(hour), _int(minute), _int(second), micros)


@_builtin("time", ("hour", NUMBER), ("minute", NUMBER), ("second", NUMBER))
def _time_of(hour: Decimal, minute: Decimal, second: Decimal) -> dt.time:
    return _time_of_numbers(hour, minute, second)


@_builtin("time", ("hour", NUMBER), ("minute", NUMBER), ("second", NUMBER), ("offset", ANY))
def _time_with_offset(hour: Decimal, minute: Decimal, second: Decimal, offset: Any) -> dt.time | None:
    local = _time_of_numbers(hour, minute, second)
    if offset is None:
        return local
    if isinstance(offset, dt.timedelta):
        return local.replace(tzinfo=dt.timezone(offset))
    return None


@_builtin("date and time", ("from", ANY))
def _date_and_time(value: Any) -> dt.datetime | None:
    if isinstance(value, str):
        if _DATE_TEXT.fullmatch(value):
            return dt.datetime.combine(temporal.parse_date(value), dt.time())
        return temporal.parse_date_time(value)
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    return None


@_builtin("date and time", ("date", DATE_LIKE), ("time", ANY))
def _date_and_time_of(date: dt.date, time: Any) -> dt.datetime | None:
    if isinstance(time, dt.time):
        if isinstance(time.tzinfo, dt.tzinfo) and not isinstance(time.tzinfo, dt.timezone):
            # A zone id: resolve the offset for that date, as ZonedTime.withDate does.
            return dt.datetime.combine(_date_part(date), time.replace(tzinfo=None)).replace(
                tzinfo=time.tzinfo
            )
        return dt.datetime.combine(_date_part(date), time)
    if isinstance(time, str) and isinstance(date, dt.datetime):
        zone = temporal.zone_from_id(time)
        if date.tzinfo is None:
            return date.replace(tzinfo=zone)
        return date.astimezone(zone)
    return None


@_builtin("duration", ("from", STRING))
def _duration(text: str) -> dt.timedelta | YearsMonthsDuration:
    return temporal.parse_duration(text)


@_builtin("years and months duration", ("from", DATE_LIKE), ("to", DATE_LIKE))
def _years_and_months_duration(start: dt.date, end: dt.date) -> YearsMonthsDuration:
    start, end = _date_part(start), _date_part(end)
    months = (end.year - start.year) * 12 + end.month - start.month
    if months > 0 and end.day < start.day:
        months -= 1
    elif months < 0 and end.day > start.day:
        months += 1
    return YearsMonthsDuration(months)


# -- boolean -----------------------------------------------------------------------------------


@_builtin("not", ("negand", ANY))
def _not(value: Any) -> bool | None:
    return not value if isinstance(value, bool) else None


@_builtin("is defined", ("value", ANY))
def _is_defined(value: Any) -> bool:
    return value is not None


@_builtin("get or else", ("value", ANY), ("default", ANY))
def _get_or_else(value: Any, default: Any) -> Any:
    return default if value is None else value


@_builtin("assert", ("value", ANY), ("condition", ANY))
def _assert(value: Any, condition: Any) -> Any:
    if condition is not True:
        raise FeelEvaluationError(
            f"assertion failed: the condition is not fulfilled for value {to_string(value)}"
        )
    return value


@_builtin("assert", ("value", ANY), ("condition", ANY), ("cause", ANY))
def _assert_with_cause(value: Any, condition: Any, cause: Any) -> Any:
    if condition is not True:
        raise FeelEvaluationError(f"assertion failed: {to_string(cause)}")
    return value


# -- context -----------------------------------------------------------------------------------


def _get_value(context: dict[str, Any], key: Any) -> Any:
    if isinstance(key, str):
        return context.get(key)
    if isinstance(key, list) and key and all(isinstance(part, str) for part in key):
        current: Any = context
        for part in key:
            if not isinstance(current, dict):
                return None
            current = current.get(part)
        return current
    return None


for _parameters in (("m", "key"), ("context", "key"), ("context", "keys")):
    _builtin("get value", (_parameters[0], CONTEXT), (_parameters[1], ANY))(_get_value)


def _get_entries(context: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": key, "value": value} for key, value in context.items()]


_builtin("get entries", ("context", CONTEXT))(_get_entries)
_builtin("get entries", ("m", CONTEXT))(_get_entries)


def _put_path(context: dict[str, Any], keys: list[str], value: Any) -> dict[str, Any]:
    head, *tail = keys
    if not tail:
        return {**context, head: value}
    nested = context.get(head)
    return {**context, head: _put_path(nested if isinstance(nested, dict) else {}, tail, value)}


@_builtin("context put", ("context", CONTEXT), ("key", ANY), ("value", ANY), aliases=("put",))
def _context_put(context: dict[str, Any], key: Any, value: Any) -> dict[str, Any] | None:
    if isinstance(key, str):
        return {**context, key: value}
    return _context_put_path(context, key, value)


@_builtin("context put", ("context", CONTEXT), ("keys", LIST), ("value", ANY))
def _context_put_path(context: dict[str, Any], keys: Any, value: Any) -> dict[str, Any] | None:
    if not isinstance(keys, list) or not keys or not all(isinstance(key, str) for key in keys):
        return None
    return _put_path(context, keys, value)


@_builtin("context merge", ("contexts", LIST), varargs=True, aliases=("put all",))
def _context_merge(contexts: list[Any]) -> dict[str, Any] | None:
    if not all(isinstance(context, dict) for context in contexts):
        return None
    merged: dict[str, Any] = {}
    for context in contexts:
        merged.update(context)
    return merged


@_builtin("context", ("entries", LIST))
def _context(entries: list[Any]) -> dict[str, Any] | None:
    result: dict[str, Any] = {}
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str) or "value" not in entry:
            return None
        result[entry["key"]] = entry["value"]
    return result


# -- strings -----------------------------------------------------------------------------------


def _string_index(text: str, start: Decimal) -> int:
    """Java's ``substring`` index for a FEEL position: 1-based, negative from the end (0 is the end)."""
    position = _int(start)
    return position - 1 if position > 0 else len(text) + position


@_builtin("substring", ("string", STRING), ("start position", NUMBER))
def _substring(text: str, start: Decimal) -> str | None:
    index = _string_index(text, start)
    if index < 0 or index > len(text):
        return None
    return text[index:]


@_builtin("substring", ("string", STRING), ("start position", NUMBER), ("length", NUMBER))
def _substring_length(text: str, start: Decimal, length: Decimal) -> str | None:
    index = _string_index(text, start)
    end = min(index + _int(length), len(text))
    if index < 0 or index > len(text) or end < index:
        return None
    return text[index:end]


@_builtin("string length", ("string", STRING))
def _string_length(text: str) -> Decimal:
    return Decimal(len(text))


@_builtin("upper case", ("string", STRING))
def _upper_case(text: str) -> str:
    return text.upper()


@_builtin("lower case", ("string", STRING))
def _lower_case(text: str) -> str:
    return text.lower()


@_builtin("substring before", ("string", STRING), ("match", STRING))
def _substring_before(text: str, match: str) -> str:
    index = text.find(match)
    return text[:index] if index > 0 else ""


@_builtin("substring after", ("string", STRING), ("match", STRING))
def _substring_after(text: str, match: str) -> str:
    index = text.find(match)
    return text[index + len(match) :] if index >= 0 else ""


@_builtin("contains", ("string", STRING), ("match", STRING))
def _contains_text(text: str, match: str) -> bool:
    return match in text


@_builtin("starts with", ("string", STRING), ("match", STRING))
def _starts_with(text: str, match: str) -> bool:
    return text.startswith(match)


@_builtin("ends with", ("string", STRING), ("match", STRING))
def _ends_with(text: str, match: str) -> bool:
    return text.endswith(match)


def _flags(flags: str) -> int:
    result = 0
    for letter, flag in (("s", re.DOTALL), ("m", re.MULTILINE), ("i", re.IGNORECASE), ("x", re.VERBOSE)):
        if letter in flags:
            result |= flag
    return result


@functools.lru_cache(maxsize=256)
def _regex(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags)


def _java_replacement(replacement: str) -> Callable[[re.Match[str]], str]:
    """Interpret a ``java.util.regex`` replacement (``$1``, ``${name}``, ``\\$``) for :func:`re.sub`."""

    def expand(match: re.Match[str]) -> str:
        parts: list[str] = []
        index = 0
        while index < len(replacement):
            char = replacement[index]
            if char == "\\" and index + 1 < len(replacement):
                parts.append(replacement[index + 1])
                index += 2
            elif char == "$" and replacement.startswith("{", index + 1):
                close = replacement.index("}", index)
                parts.append(match.group(replacement[index + 2 : close]) or "")
                index = close + 1
            elif char == "$":
                end = index + 1
                while end < len(replacement) and replacement[end].isdigit():
                    end += 1
                if end == index + 1:
                    raise ValueError("illegal group reference")
                # Java takes the longest prefix of digits that is still a valid group number.
                while end > index + 2 and int(replacement[index + 1 : end]) > (match.re.groups or 0):
                    end -= 1
                parts.append(match.group(int(replacement[index + 1 : end])) or "")
                index = end
            else:
                parts.append(char)
                index += 1
        return "".join(parts)

    return expand


@_builtin("replace", ("input", STRING), ("pattern", STRING), ("replacement", STRING))
def _replace(text: str, pattern: str, replacement: str) -> str:
    return _regex(pattern).sub(_java_replacement(replacement), text)


@_builtin("replace", ("input", STRING), ("pattern", STRING), ("replacement", STRING), ("flags", STRING))
def _replace_flags(text: str, pattern: str, replacement: str, flags: str) -> str:
    return _regex(pattern, _flags(flags)).sub(_java_replacement(replacement), text)


@_builtin("matches", ("input", STRING), ("pattern", STRING))
def _matches(text: str, pattern: str) -> bool:
    return _regex(pattern).search(text) is not None


@_builtin("matches", ("input", STRING), ("pattern", STRING), ("flags", STRING))
def _matches_flags(text: str, pattern: str, flags: str) -> bool:
    return _regex(pattern, _flags(flags)).search(text) is not None


@_builtin("split", ("string", STRING), ("delimiter", STRING))
def _split(text: str, delimiter: str) -> list[str]:
    # Not re.split: it would also return the text of capturing groups, which Java does not.
    parts: list[str] = []
    start = 0
    for match in _regex(delimiter).finditer(text):
        if match.end() == 0:
            continue
        parts.append(text[start : match.start()])
        start = match.end()
    parts.append(text[start:])
    return parts


@_builtin("extract", ("input", STRING), ("pattern", STRING))
def _extract(text: str, pattern: str) -> list[str]:
    return [match.group(0) for match in _regex(pattern).finditer(text)]


@_builtin("trim", ("string", STRING))
def _trim(text: str) -> str:
    return text.strip()


@_builtin("uuid")
def _uuid() -> str:
    return str(uuid.uuid4())


@_builtin("to base64", ("value", STRING))
def _to_base64(text: str) -> str:
    return base64.b64encode(text.encode()).decode("ascii")


@_builtin("from base64", ("value", STRING))
def _from_base64(text: str) -> str:
    return base64.b64decode(text, validate=True).decode()


@_builtin("is blank", ("string", STRING))
def _is_blank(text: str) -> bool:
    return not text.strip()


# -- lists -------------------------------------------------------------------------------------


@_builtin("list contains", ("list", LIST), ("element", ANY))
def _list_contains(items: list[Any], element: Any) -> bool:
    return _contains(items, element)


@_builtin("count", ("list", LIST))
def _count(items: list[Any]) -> Decimal:
    return Decimal(len(items))


@_builtin("min", ("list", LIST), varargs=True)
def _min(items: list[Any]) -> Any:
    if not items or not _comparable(items):
        return None
    return functools.reduce(lambda low, item: item if compare(item, low) == -1 else low, items)


@_builtin("max", ("list", LIST), varargs=True)
def _max(items: list[Any]) -> Any:
    if not items or not _comparable(items):
        return None
    return functools.reduce(lambda high, item: item if compare(item, high) == 1 else high, items)


@_builtin("sum", ("list", LIST), varargs=True)
def _sum(items: list[Any]) -> Decimal | None:
    numbers = _numbers(items)
    if not numbers:
        return None
    return functools.reduce(DECIMAL.add, numbers)


@_builtin("product", ("list", LIST), varargs=True)
def _product(items: list[Any]) -> Decimal | None:
    numbers = _numbers(items)
    if not numbers:
        return None
    return functools.reduce(DECIMAL.multiply, numbers)


@_builtin("mean", ("list", LIST), varargs=True)
def _mean(items: list[Any]) -> Decimal | None:
    numbers = _numbers(items)
    if not numbers:
        return None
    return DECIMAL.divide(functools.reduce(DECIMAL.add, numbers), Decimal(len(numbers)))


@_builtin("median", ("list", LIST), varargs=True)
def _median(items: list[Any]) -> Decimal | None:
    numbers = _numbers(items)
    if not numbers:
        return None
    ordered = sorted(numbers)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return DECIMAL.divide(DECIMAL.add(ordered[middle - 1], ordered[middle]), Decimal(2))


@_builtin("stddev", ("list", LIST), varargs=True)
def _stddev(items: list[Any]) -> Decimal | None:
    numbers = _numbers(items)
    if not numbers or len(numbers) < 2:
        return None
    mean = DECIMAL.divide(functools.reduce(DECIMAL.add, numbers), Decimal(len(numbers)))
    squares = functools.reduce(DECIMAL.add, (DECIMAL.power(n - mean, 2) for n in numbers))
    return _from_float(math.sqrt(float(DECIMAL.divide(squares, Decimal(len(numbers) - 1)))))


@_builtin("mode", ("list", LIST), varargs=True)
def _mode(items: list[Any]) -> list[Decimal] | None:
    numbers = _numbers(items)
    if numbers is None:
        return None
    counts: dict[Decimal, int] = {}
    for number in numbers:
        counts[number] = counts.get(number, 0) + 1
    top = max(counts.values(), default=0)
    return sorted(number for number, count in counts.items() if count == top)


def _all(items: list[Any]) -> bool | None:
    result: bool | None = True
    for item in items:
        if item is False:
            return False
        if item is not True:
            result = None
    return result


def _any(items: list[Any]) -> bool | None:
    result: bool | None = False
    for item in items:
        if item is True:
            return True
        if item is not False:
            result = None
    return result


_builtin("all", ("list", LIST), varargs=True, aliases=("and",))(_all)
_builtin("any", ("list", LIST), varargs=True, aliases=("or",))(_any)


@_builtin("sublist", ("list", LIST), ("start position", NUMBER))
def _sublist(items: list[Any], start: Decimal) -> list[Any] | None:
    if not start:
        return None
    return items[max(_list_index(items, _int(start)), 0) :]


@_builtin("sublist", ("list", LIST), ("start position", NUMBER), ("length", NUMBER))
def _sublist_length(items: list[Any], start: Decimal, length: Decimal) -> list[Any] | None:
    if not start:
        return None
    index = max(_list_index(items, _int(start)), 0)
    return items[index : index + max(_int(length), 0)]


@_builtin("append", ("list", LIST), ("items", ANY), varargs=True)
def _append(items: list[Any], extra: list[Any]) -> list[Any]:
    return [*items, *extra]


@_builtin("concatenate", ("lists", LIST), varargs=True)
def _concatenate(lists: list[Any]) -> list[Any]:
    result: list[Any] = []
    for item in lists:
        if isinstance(item, list):
            result.extend(item)
        else:
            result.append(item)
    return result


@_builtin("insert before", ("list", LIST), ("position", NUMBER), ("newItem", ANY))
def _insert_before(items: list[Any], position: Decimal, new_item: Any) -> list[Any] | None:
    if not position:
        return None
    index = max(_list_index(items, _int(position)), 0)
    return [*items[:index], new_item, *items[index:]]


@_builtin("remove", ("list", LIST), ("position", NUMBER))
def _remove(items: list[Any], position: Decimal) -> list[Any] | None:
    if not position:
        return None
    index = _list_index(items, _int(position))
    if index < 0 or index >= len(items):
        return list(items)
    return [*items[:index], *items[index + 1 :]]


@_builtin("reverse", ("list", LIST))
def _reverse(items: list[Any]) -> list[Any]:
    return items[::-1]


@_builtin("index of", ("list", LIST), ("match", ANY))
def _index_of(items: list[Any], match: Any) -> list[Decimal]:
    return [Decimal(index) for index, item in enumerate(items, start=1) if _contains([item], match)]


@_builtin("union", ("lists", LIST), varargs=True)
def _union(lists: list[Any]) -> list[Any]:
    return _distinct(_concatenate(lists))


@_builtin("distinct values", ("list", LIST))
def _distinct_values(items: list[Any]) -> list[Any]:
    return _distinct(items)


@_builtin("duplicate values", ("list", LIST))
def _duplicate_values(items: list[Any]) -> list[Any]:
    return [item for item in _distinct(items) if sum(_contains([other], item) for other in items) > 1]


def _flat(items: list[Any]) -> list[Any]:
    result: list[Any] = []
    for item in items:
        if isinstance(item, list):
            result.extend(_flat(item))
        else:
            result.append(item)
    return result


_builtin("flatten", ("list", LIST))(_flat)


@_builtin("sort", ("list", LIST))
def _sort(items: list[Any]) -> list[Any] | None:
    if not _comparable(items):
        return None
    return sorted(items, key=functools.cmp_to_key(lambda x, y: compare(x, y) or 0))


@_builtin("sort", ("list", LIST), ("precedes", FeelFunction))
def _sort_by(items: list[Any], precedes: FeelFunction) -> list[Any] | None:
    if len(precedes.parameters) != 2:
        return None

    def order(left: Any, right: Any) -> int:
        if _precedes(precedes, left, right):
            return -1
        if _precedes(precedes, right, left):
            return 1
        return 0

    return sorted(items, key=functools.cmp_to_key(order))


def _precedes(function: FeelFunction, left: Any, right: Any) -> bool:
    result = function.invoke([left, right])
    if not isinstance(result, bool):
        raise TypeError("the precedes function must return a boolean")
    return result


def _join(items: list[Any], delimiter: str = "", prefix: str = "", suffix: str = "") -> str | None:
    if not all(item is None or isinstance(item, str) for item in items):
        return None
    return prefix + delimiter.join(item for item in items if item is not None) + suffix


@_builtin("string join", ("list", LIST))
def _string_join(items: list[Any]) -> str | None:
    return _join(items)


@_builtin("string join", ("list", LIST), ("delimiter", ANY))
def _string_join_delimited(items: list[Any], delimiter: Any) -> str | None:
    if delimiter is not None and not isinstance(delimiter, str):
        return None
    return _join(items, delimiter or "")


@_builtin("string join", ("list", LIST), ("delimiter", ANY), ("prefix", ANY), ("suffix", ANY))
def _string_join_wrapped(items: list[Any], delimiter: Any, prefix: Any, suffix: Any) -> str | None:
    if not all(part is None or isinstance(part, str) for part in (delimiter, prefix, suffix)):
        return None
    return _join(items, delimiter or "", prefix or "", suffix or "")


@_builtin("is empty", ("list", LIST))
def _is_empty(items: list[Any]) -> bool:
    return not items


@_builtin("partition", ("list", LIST), ("size", NUMBER))
def _partition(items: list[Any], size: Decimal) -> list[list[Any]] | None:
    step = _int(size)
    if step <= 0:
        return None
    return [items[index : index + step] for index in range(0, len(items), step)]


# -- numbers -----------------------------------------------------------------------------------

_ROUNDING_MODES: Final = {
    "UP": ROUND_UP,
    "DOWN": ROUND_DOWN,
    "CEILING": ROUND_CEILING,
    "FLOOR": ROUND_FLOOR,
    "HALF_UP": ROUND_HALF_UP,
    "HALF_DOWN": ROUND_HALF_DOWN,
    "HALF_EVEN": ROUND_HALF_EVEN,
}


@_builtin("decimal", ("n", NUMBER), ("scale", NUMBER))
def _decimal(number: Decimal, scale: Decimal) -> Decimal:
    return _round(number, scale, ROUND_HALF_EVEN)


@_builtin("decimal", ("n", NUMBER), ("scale", NUMBER), ("mode", STRING))
def _decimal_mode(number: Decimal, scale: Decimal, mode: str) -> Decimal | None:
    rounding = _ROUNDING_MODES.get(mode.upper())
    return None if rounding is None else _round(number, scale, rounding)


def _rounding(name: str, rounding: str, *, optional_scale: bool) -> None:
    def with_scale(number: Decimal, scale: Decimal) -> Decimal:
        return _round(number, scale, rounding)

    _builtin(name, ("n", NUMBER), ("scale", NUMBER))(with_scale)
    if optional_scale:
        _builtin(name, ("n", NUMBER))(lambda number: _round(number, Decimal(0), rounding))


_rounding("floor", ROUND_FLOOR, optional_scale=True)
_rounding("ceiling", ROUND_CEILING, optional_scale=True)
_rounding("round up", ROUND_UP, optional_scale=False)
_rounding("round down", ROUND_DOWN, optional_scale=False)
_rounding("round half up", ROUND_HALF_UP, optional_scale=False)
_rounding("round half down", ROUND_HALF_DOWN, optional_scale=False)


def _abs(value: Any) -> Any:
    if isinstance(value, Decimal):
        return DECIMAL.abs(value)
    if isinstance(value, dt.timedelta):
        return abs(value)
    if isinstance(value, YearsMonthsDuration):
        return YearsMonthsDuration(abs(value.months))
    return None


_builtin("abs", ("number", ANY))(_abs)
_builtin("abs", ("n", ANY))(_abs)


@_builtin("modulo", ("dividend", NUMBER), ("divisor", NUMBER))
def _modulo(dividend: Decimal, divisor: Decimal) -> Decimal:
    remainder = DECIMAL.remainder(dividend, divisor)
    return DECIMAL.remainder(DECIMAL.add(remainder, divisor), divisor)


@_builtin("sqrt", ("number", NUMBER))
def _sqrt(number: Decimal) -> Decimal | None:
    return None if number < 0 else _from_float(math.sqrt(number))


@_builtin("log", ("number", NUMBER))
def _log(number: Decimal) -> Decimal | None:
    return None if number <= 0 else _from_float(math.log(number))


@_builtin("exp", ("number", NUMBER))
def _exp(number: Decimal) -> Decimal | None:
    return _from_float(math.exp(number))


@_builtin("odd", ("number", NUMBER))
def _odd(number: Decimal) -> bool:
    return abs(number) % 2 == 1


@_builtin("even", ("number", NUMBER))
def _even(number: Decimal) -> bool:
    return number % 2 == 0


@_builtin("random number")
def _random_number() -> Decimal | None:
    return _from_float(random.random())


# -- temporal ----------------------------------------------------------------------------------


def now() -> dt.datetime:
    """The evaluation's current time: the engine's clock if it gave one, else UTC wall-clock time."""
    return CLOCK.get() or dt.datetime.now(dt.UTC)


_builtin("now")(now)


@_builtin("today")
def _today() -> dt.date:
    return now().date()


@_builtin("day of year", ("date", DATE_LIKE))
def _day_of_year(value: dt.date) -> Decimal:
    return Decimal(_date_part(value).timetuple().tm_yday)


@_builtin("day of week", ("date", DATE_LIKE))
def _day_of_week(value: dt.date) -> str:
    return calendar.day_name[_date_part(value).weekday()]


@_builtin("month of year", ("date", DATE_LIKE))
def _month_of_year(value: dt.date) -> str:
    return calendar.month_name[_date_part(value).month]


@_builtin("week of year", ("date", DATE_LIKE))
def _week_of_year(value: dt.date) -> Decimal:
    return Decimal(_date_part(value).isocalendar().week)


@_builtin("last day of month", ("date", DATE_LIKE))
def _last_day_of_month(value: dt.date) -> dt.date:
    date = _date_part(value)
    return date.replace(day=calendar.monthrange(date.year, date.month)[1])
