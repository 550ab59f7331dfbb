"""FEEL value model and the conversions at its borders (JSON in, JSON out, ``string()``).

FEEL values are plain Python objects, so that results can be handed to the rest of the engine
without wrapping: ``None`` (null), ``bool``, :class:`~decimal.Decimal` (every number), ``str``,
``list``, ``dict`` (context), the temporal types of :mod:`engine.feel.temporal` and
:class:`FeelFunction`. Python ``int``/``float`` never appear inside an evaluation: they are
converted by :func:`from_json` when a variable is read, which also keeps ``True`` (an ``int`` in
Python) from ever being mistaken for the number 1.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from decimal import ROUND_HALF_EVEN, Context, Decimal
from typing import Any, Final

from engine.feel import temporal
from engine.feel.temporal import YearsMonthsDuration

__all__ = [
    "DECIMAL",
    "FeelFunction",
    "compare",
    "feel_equal",
    "from_json",
    "to_decimal",
    "to_json",
    "to_string",
    "type_name",
    "value_kind",
]

# feel-scala computes with java.math.MathContext.DECIMAL128: 34 significant digits, half-even.
DECIMAL: Final = Context(prec=34, rounding=ROUND_HALF_EVEN, Emax=6144, Emin=-6143)


class FeelFunction:
    """A function value: a lambda (``function(a, b) a + b``) or a built-in passed around as a value."""

    __slots__ = ("invoke", "name", "parameters")

    def __init__(self, name: str, parameters: Sequence[str], invoke: Callable[[list[Any]], Any]) -> None:
        self.name = name
        self.parameters = tuple(parameters)
        self.invoke = invoke

    def __repr__(self) -> str:
        return f"function({', '.join(self.parameters)})"


# -- kinds -------------------------------------------------------------------------------------

_KIND_BY_TYPE: Final[dict[type, str]] = {
    type(None): "null",
    bool: "boolean",
    Decimal: "number",
    str: "string",
    list: "list",
    dict: "context",
    dt.date: "date",
    dt.timedelta: "days and time duration",
    YearsMonthsDuration: "years and months duration",
    FeelFunction: "function",
}


def value_kind(value: Any) -> str:
    """Classify a value finely enough for comparisons: local and zoned times are different kinds."""
    kind = _KIND_BY_TYPE.get(type(value))
    if kind is not None:
        return kind
    if isinstance(value, dt.datetime):
        return "local date and time" if value.tzinfo is None else "date and time"
    if isinstance(value, dt.time):
        return "local time" if value.tzinfo is None else "time"
    for python_type, name in _KIND_BY_TYPE.items():
        if python_type is not bool and isinstance(value, python_type):
            return name
    return "unknown"


def type_name(value: Any) -> str:
    """The FEEL type name used by ``instance of``: local and zoned variants share a name."""
    kind = value_kind(value)
    return kind.removeprefix("local ")


# -- JSON borders ------------------------------------------------------------------------------


def to_decimal(number: int | float) -> Decimal | None:
    """Convert a Python number exactly as feel-scala does (``BigDecimal(double)`` uses the shortest repr)."""
    if isinstance(number, float):
        if not math.isfinite(number):
            return None
        return Decimal(repr(number))
    return Decimal(number)


def from_json(value: Any) -> Any:
    """Turn JSON-decoded Python data into FEEL values (numbers become ``Decimal``), recursively.

    Values that are already FEEL values pass through, so calling it twice is harmless.
    """
    value_type = type(value)
    if value_type is str or value_type is bool or value_type is Decimal or value is None:
        return value
    if value_type is int or value_type is float:
        return to_decimal(value)
    if value_type is dict:
        return {str(key): from_json(item) for key, item in value.items()}
    if value_type is list or value_type is tuple:
        return [from_json(item) for item in value]
    if isinstance(value, bool | Decimal | str | dt.date | dt.time | dt.timedelta | YearsMonthsDuration):
        return value
    if isinstance(value, int | float):
        return to_decimal(value)
    if isinstance(value, Mapping):
        return {str(key): from_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [from_json(item) for item in value]
    return value


def to_json(value: Any) -> Any:
    """Turn a FEEL result into JSON-serialisable data, as Zeebe writes it into the variable document.

    Integral numbers become ``int`` and others ``float`` (Zeebe writes MessagePack integers and
    doubles); temporal values become ISO 8601 strings; functions have no JSON form and become null.
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        integral = value.to_integral_value()
        return int(integral) if integral == value else float(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, Mapping):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, dt.datetime):
        return temporal.format_date_time(value)
    if isinstance(value, dt.date):
        return temporal.format_date(value)
    if isinstance(value, dt.time):
        return temporal.format_time(value)
    if isinstance(value, dt.timedelta | YearsMonthsDuration):
        return temporal.format_duration(value)
    return None


# -- equality and ordering ---------------------------------------------------------------------

_ORDERED_KINDS: Final = frozenset(
    {
        "number",
        "string",
        "date",
        "time",
        "local time",
        "date and time",
        "local date and time",
        "days and time duration",
        "years and months duration",
    }
)


def feel_equal(left: Any, right: Any) -> bool | None:
    """FEEL ``=``: null equals only null; values of different types are not comparable (``None``)."""
    if left is None or right is None:
        return left is right
    kind = value_kind(left)
    if kind != value_kind(right):
        return None
    if kind == "list":
        return len(left) == len(right) and all(
            feel_equal(x, y) is True for x, y in zip(left, right, strict=True)
        )
    if kind == "context":
        return left.keys() == right.keys() and all(feel_equal(left[key], right[key]) is True for key in left)
    if kind == "function":
        return left is right
    try:
        return bool(left == right)
    except TypeError:
        return None


def compare(left: Any, right: Any) -> int | None:
    """Order two values of the same ordered type (-1, 0, 1); ``None`` when FEEL cannot order them."""
    kind = value_kind(left)
    if kind not in _ORDERED_KINDS or kind != value_kind(right):
        return None
    try:
        if left < right:
            return -1
        if left > right:
            return 1
    except TypeError:
        return None
    return 0


# -- string() ----------------------------------------------------------------------------------


def format_number(number: Decimal) -> str:
    """Like ``BigDecimal.toString`` but never ``1E+3`` for integers, which surprises modellers."""
    if number.as_tuple().exponent > 0:  # type: ignore[operator]
        return format(number, "f")
    text = str(number)
    return "0" if text == "-0" else text


def to_string(value: Any) -> str:
    """The text of ``string(value)``, following feel-scala's rendering of each type."""
    if isinstance(value, str):
        return value
    return _render(value, nested=False)


def _render(value: Any, *, nested: bool) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value + '"' if nested else value
    if isinstance(value, Decimal):
        return format_number(value)
    if isinstance(value, int | float):
        converted = to_decimal(value)
        return "null" if converted is None else format_number(converted)
    if isinstance(value, dt.datetime):
        return temporal.format_date_time(value, style="feel")
    if isinstance(value, dt.date):
        return temporal.format_date(value)
    if isinstance(value, dt.time):
        return temporal.format_time(value, style="feel")
    if isinstance(value, dt.timedelta | YearsMonthsDuration):
        return temporal.format_duration(value)
    if isinstance(value, list):
        return "[" + ", ".join(_render(item, nested=True) for item in value) + "]"
    if isinstance(value, Mapping):
        entries = (f"{key}:{_render(item, nested=True)}" for key, item in value.items())
        return "{" + ", ".join(entries) + "}"
    return repr(value)
