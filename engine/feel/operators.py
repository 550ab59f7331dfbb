"""Semantics of FEEL's arithmetic and comparison operators on FEEL values.

Every operator is total: operands of unsupported types, ``null`` operands and arithmetic
failures (division by zero, overflow) give ``None``, as in feel-scala, instead of raising.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal, DecimalException
from typing import Any, Final
from zoneinfo import ZoneInfo

from engine.feel.temporal import YearsMonthsDuration, add_months
from engine.feel.values import DECIMAL, compare, feel_equal, to_decimal

__all__ = [
    "add",
    "divide",
    "equal",
    "greater",
    "greater_or_equal",
    "less",
    "less_or_equal",
    "multiply",
    "negate",
    "not_equal",
    "power",
    "subtract",
]

_MICROSECOND: Final = dt.timedelta(microseconds=1)
_ANCHOR_DATE: Final = dt.date(2000, 1, 3)
# Types whose Python comparison already is FEEL's, used to skip the generic path in hot loops.
_FAST_ORDERED: Final = frozenset({Decimal, str, dt.date})


def add(left: Any, right: Any) -> Any:
    if type(left) is Decimal and type(right) is Decimal:
        try:
            return DECIMAL.add(left, right)
        except DecimalException:
            return None
    if type(left) is str and type(right) is str:
        return left + right
    if isinstance(right, dt.timedelta) and not isinstance(left, dt.timedelta):
        return _plus(left, right)
    if isinstance(left, dt.timedelta):
        if isinstance(right, dt.timedelta):
            return left + right
        return _plus(right, left)
    if isinstance(right, YearsMonthsDuration):
        if isinstance(left, YearsMonthsDuration):
            return left + right
        return _plus_months(left, right.months)
    if isinstance(left, YearsMonthsDuration):
        return _plus_months(right, left.months)
    return None


def subtract(left: Any, right: Any) -> Any:
    if type(left) is Decimal and type(right) is Decimal:
        try:
            return DECIMAL.subtract(left, right)
        except DecimalException:
            return None
    if isinstance(right, dt.timedelta):
        if isinstance(left, dt.timedelta):
            return left - right
        return _plus(left, -right)
    if isinstance(right, YearsMonthsDuration):
        if isinstance(left, YearsMonthsDuration):
            return left - right
        return _plus_months(left, -right.months)
    return _between(left, right)


def multiply(left: Any, right: Any) -> Any:
    if type(left) is Decimal and type(right) is Decimal:
        try:
            return DECIMAL.multiply(left, right)
        except DecimalException:
            return None
    if type(left) is Decimal:
        left, right = right, left
    if type(right) is not Decimal:
        return None
    if isinstance(left, dt.timedelta):
        return _scale(left, right)
    if isinstance(left, YearsMonthsDuration):
        return YearsMonthsDuration(int(DECIMAL.multiply(Decimal(left.months), right)))
    return None


def divide(left: Any, right: Any) -> Any:
    try:
        if type(left) is Decimal and type(right) is Decimal:
            return DECIMAL.divide(left, right)
        if isinstance(left, dt.timedelta):
            if type(right) is Decimal:
                return _scale(left, DECIMAL.divide(Decimal(1), right))
            if isinstance(right, dt.timedelta):
                return DECIMAL.divide(Decimal(left // _MICROSECOND), Decimal(right // _MICROSECOND))
        if isinstance(left, YearsMonthsDuration):
            if type(right) is Decimal:
                return YearsMonthsDuration(int(DECIMAL.divide(Decimal(left.months), right)))
            if isinstance(right, YearsMonthsDuration):
                return DECIMAL.divide(Decimal(left.months), Decimal(right.months))
    except (DecimalException, ZeroDivisionError, OverflowError):
        return None
    return None


def power(base: Any, exponent: Any) -> Any:
    if type(base) is not Decimal or type(exponent) is not Decimal:
        return None
    try:
        if exponent == exponent.to_integral_value():
            result = DECIMAL.power(base, exponent)
            return result if result.is_finite() else None  # 0 ** -1 is Infinity, not an error
        return to_decimal(math.pow(float(base), float(exponent)))
    except (DecimalException, ValueError, OverflowError):
        return None


def negate(operand: Any) -> Any:
    if type(operand) is Decimal:
        return DECIMAL.minus(operand)
    if isinstance(operand, dt.timedelta | YearsMonthsDuration):
        return -operand
    return None


def equal(left: Any, right: Any) -> bool | None:
    if type(left) is type(right) and type(left) in _FAST_ORDERED:
        return bool(left == right)
    return feel_equal(left, right)


def not_equal(left: Any, right: Any) -> bool | None:
    result = feel_equal(left, right)
    return None if result is None else not result


def less(left: Any, right: Any) -> bool | None:
    if type(left) is type(right) and type(left) in _FAST_ORDERED:
        return bool(left < right)
    order = compare(left, right)
    return None if order is None else order < 0


def less_or_equal(left: Any, right: Any) -> bool | None:
    if type(left) is type(right) and type(left) in _FAST_ORDERED:
        return bool(left <= right)
    order = compare(left, right)
    return None if order is None else order <= 0


def greater(left: Any, right: Any) -> bool | None:
    if type(left) is type(right) and type(left) in _FAST_ORDERED:
        return bool(left > right)
    order = compare(left, right)
    return None if order is None else order > 0


def greater_or_equal(left: Any, right: Any) -> bool | None:
    if type(left) is type(right) and type(left) in _FAST_ORDERED:
        return bool(left >= right)
    order = compare(left, right)
    return None if order is None else order >= 0


# -- temporal helpers ---------------------------------------------------------------------------


def _scale(delta: dt.timedelta, factor: Decimal) -> dt.timedelta | None:
    """Scale exactly (feel-scala truncates the factor to an integer; the DMN spec does not)."""
    try:
        micros = DECIMAL.multiply(Decimal(delta // _MICROSECOND), factor).to_integral_value()
        return dt.timedelta(microseconds=int(micros))
    except (DecimalException, OverflowError):
        return None


def _plus(value: Any, delta: dt.timedelta) -> Any:
    """Add a days-time duration on the time line, as ``java.time`` does for zoned values."""
    try:
        if isinstance(value, dt.datetime):
            if isinstance(value.tzinfo, ZoneInfo):
                return (value.astimezone(dt.UTC) + delta).astimezone(value.tzinfo)
            return value + delta
        if isinstance(value, dt.date):
            return (dt.datetime.combine(value, dt.time()) + delta).date()
        if isinstance(value, dt.time):
            shifted = dt.datetime.combine(_ANCHOR_DATE, value.replace(tzinfo=None)) + delta
            return shifted.time().replace(tzinfo=value.tzinfo)
    except OverflowError:
        return None
    return None


def _plus_months(value: Any, months: int) -> Any:
    if isinstance(value, dt.date):
        try:
            return add_months(value, months)
        except (ValueError, OverflowError):
            return None
    return None


def _between(left: Any, right: Any) -> Any:
    """``left - right`` for two points in time of the same kind: a days-time duration."""
    if isinstance(left, dt.datetime) and isinstance(right, dt.datetime):
        if (left.tzinfo is None) != (right.tzinfo is None):
            return None
        return left - right
    if isinstance(left, dt.datetime) or isinstance(right, dt.datetime):
        return None
    if isinstance(left, dt.date) and isinstance(right, dt.date):
        return left - right
    if isinstance(left, dt.time) and isinstance(right, dt.time):
        if (left.tzinfo is None) != (right.tzinfo is None):
            return None
        try:
            return dt.datetime.combine(_ANCHOR_DATE, left) - dt.datetime.combine(_ANCHOR_DATE, right)
        except TypeError:
            return None
    return None
