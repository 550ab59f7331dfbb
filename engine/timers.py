"""When timers are due: ISO 8601 durations, dates and repeating intervals, and cron cycles (Zeebe semantics).

A timer definition's value (static, or the result of its FEEL expression) is turned into a
:class:`TimerSchedule` by :func:`next_due`:

* ``DURATION``: ``PT10S``, ``P1DT2H``, ``P1M``, ``P1Y2M3DT4H`` (calendar part added first, in UTC),
  or a FEEL ``duration`` value; due ``now + duration``.
* ``DATE``: ``2025-01-01T10:00:00Z``, ``...+02:00``, ``...@Europe/Berlin``, ``...+01:00[Europe/Berlin]``
  (time zone information is required, as Zeebe documents), or a FEEL ``date and time``; a FEEL local
  date-time counts as UTC. A date in the past is due immediately.
* ``CYCLE``: ``R3/PT10S`` (3 firings), ``R/PT1H`` (forever), ``R5/2025-01-01T10:00:00Z/PT1H`` (first
  firing at the start date, or immediately if it has passed), or a Spring-style cron expression
  (``0 0 9 * * MON-FRI``, six fields: second minute hour day-of-month month day-of-week; macros
  ``@yearly``, ``@monthly``, ``@weekly``, ``@daily``, ``@midnight``, ``@hourly``), evaluated in UTC.
  Cron's ``L``, ``W`` and ``#`` are not supported. A cron cycle repeats forever.

Like Zeebe, a repeating timer's next firing is one interval after the previous due date, or one
interval after ``now`` when that has already passed (missed firings are not caught up).

All due dates are timezone-aware UTC ``datetime``s. Invalid input raises :class:`ValueError`; the
BPMN parser calls :func:`next_due` with a fixed ``now`` to validate static timer values.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from engine.bpmn.model import TimerKind
from engine.feel.temporal import (
    YearsMonthsDuration,
    add_months,
    format_duration,
    parse_date_time,
    parse_duration,
)

__all__ = ["CronExpression", "TimerInterval", "TimerSchedule", "next_due", "parse_interval"]

_TOO_LARGE = (
    "Timer duration is too large and results in arithmetic overflow. Please use a smaller duration value."
)


@dataclass(frozen=True, slots=True)
class TimerInterval:
    """An ISO 8601 duration as Zeebe's ``Interval``: calendar months plus an exact time span."""

    months: int = 0
    delta: dt.timedelta = dt.timedelta(0)

    def after(self, moment: dt.datetime) -> dt.datetime:
        """``moment`` plus this interval (months first, clamping the day like ``java.time``)."""
        try:
            shifted = add_months(moment, self.months) if self.months else moment
            result = shifted + self.delta
        except (OverflowError, ValueError):
            raise ValueError(_TOO_LARGE) from None
        assert isinstance(result, dt.datetime)  # add_months keeps the type of its argument
        return result

    @property
    def positive(self) -> bool:
        return self.months > 0 or (self.months == 0 and self.delta > dt.timedelta(0))

    def __str__(self) -> str:
        """ISO 8601 text that :func:`parse_interval` reads back (``PT10S``, ``P1M``, ``P1M2DT3H``)."""
        if not self.months:
            return format_duration(self.delta)
        calendar = format_duration(YearsMonthsDuration(self.months))
        if not self.delta:
            return calendar
        clock = format_duration(self.delta)
        if (self.months < 0) != (self.delta < dt.timedelta(0)):
            raise ValueError(f"cannot write an interval of {self.months} months and {clock} in ISO 8601")
        return calendar + clock.lstrip("-")[1:]


_CALENDAR_SPLIT = re.compile(r"([-+]?)P((?:\d+Y)?(?:\d+M)?)(.+)", re.ASCII)


def parse_interval(text: str) -> TimerInterval:
    """Parse an ISO 8601 duration; unlike a FEEL duration it may mix months and days (``P1M2D``)."""
    text = text.strip()
    try:
        return _interval_of(parse_duration(text))
    except ValueError as error:
        match = _CALENDAR_SPLIT.fullmatch(text)
        if match is None or not match[2]:
            raise ValueError(str(error)) from None
        sign, calendar, rest = match.groups()
        try:
            months = parse_duration(f"{sign}P{calendar}")
            delta = parse_duration(f"{sign}P{rest}")
        except ValueError:
            raise ValueError(str(error)) from None
        if not isinstance(months, YearsMonthsDuration) or not isinstance(delta, dt.timedelta):
            raise ValueError(str(error)) from None
        return TimerInterval(months.months, delta)


def _interval_of(value: object) -> TimerInterval:
    if isinstance(value, str):
        return parse_interval(value)
    if isinstance(value, YearsMonthsDuration):
        return TimerInterval(months=value.months)
    if isinstance(value, dt.timedelta):
        return TimerInterval(delta=value)
    raise ValueError(f"expected a duration, but found {_describe(value)}")


def _zoned_date_time(value: object) -> dt.datetime:
    if isinstance(value, str):
        parsed = parse_date_time(value.strip())
        if parsed.tzinfo is None:
            raise ValueError(
                f"the date-time {value.strip()!r} has no time zone information; add 'Z', an offset "
                "like '+01:00' or a zone id like '@Europe/Berlin'"
            )
        return _utc(parsed)
    if isinstance(value, dt.datetime):
        return _utc(value)
    raise ValueError(f"expected a date-time, but found {_describe(value)}")


def _utc(moment: dt.datetime | float) -> dt.datetime:
    """Convert to UTC; a naive (local) date-time is taken as UTC, a number as seconds since the epoch."""
    if isinstance(moment, int | float):
        return dt.datetime.fromtimestamp(moment, dt.UTC)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    try:
        return moment.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise ValueError(_TOO_LARGE) from None


def _describe(value: object) -> str:
    return f"{type(value).__name__} {value!r}"


# -- Cron ---------------------------------------------------------------------------------------------

_MACROS = {
    "@yearly": "0 0 0 1 1 *",
    "@annually": "0 0 0 1 1 *",
    "@monthly": "0 0 0 1 * *",
    "@weekly": "0 0 0 * * 0",
    "@daily": "0 0 0 * * *",
    "@midnight": "0 0 0 * * *",
    "@hourly": "0 0 * * * *",
}
_MONTH_NAMES = {
    name: number
    for number, name in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1
    )
}
_DAY_NAMES = {name: number for number, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}
_CRON_SEARCH_DAYS = 366 * 8


@dataclass(frozen=True, slots=True)
class CronExpression:
    """A Spring-style six-field cron expression (``second minute hour day-of-month month day-of-week``).

    Day-of-week is 0-7 (0 and 7 are Sunday) or ``MON``-``SUN``; months 1-12 or ``JAN``-``DEC``. As in
    Spring, a time matches only if every field matches (day-of-month *and* day-of-week). Times are UTC.
    """

    source: str
    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int]
    months: frozenset[int]
    days_of_week: frozenset[int]

    @classmethod
    def parse(cls, text: str) -> CronExpression:
        source = text.strip()
        expanded = _MACROS.get(source.lower(), source)
        fields = expanded.split()
        if len(fields) != 6:
            raise ValueError(
                f"cron expression {source!r} must have 6 fields (second minute hour day-of-month month "
                f"day-of-week), found {len(fields)}"
            )
        days_of_week = _cron_field(fields[5], 0, 7, _DAY_NAMES, source, "day-of-week")
        return cls(
            source=source,
            seconds=_cron_field(fields[0], 0, 59, {}, source, "second"),
            minutes=_cron_field(fields[1], 0, 59, {}, source, "minute"),
            hours=_cron_field(fields[2], 0, 23, {}, source, "hour"),
            days_of_month=_cron_field(fields[3], 1, 31, {}, source, "day-of-month"),
            months=_cron_field(fields[4], 1, 12, _MONTH_NAMES, source, "month"),
            days_of_week=frozenset(0 if day == 7 else day for day in days_of_week),
        )

    def next_after(self, moment: dt.datetime) -> dt.datetime:
        """The first matching time strictly after ``moment`` (UTC, whole seconds)."""
        start = _utc(moment).replace(microsecond=0) + dt.timedelta(seconds=1)
        day = start.date()
        earliest = (start.hour, start.minute, start.second)
        for _ in range(_CRON_SEARCH_DAYS):
            if self._day_matches(day):
                found = self._first_time_of_day(earliest)
                if found is not None:
                    return dt.datetime.combine(day, dt.time(*found), tzinfo=dt.UTC)
            try:
                day += dt.timedelta(days=1)
            except OverflowError:
                break
            earliest = (0, 0, 0)
        raise ValueError(f"cron expression {self.source!r} never matches")

    def _day_matches(self, day: dt.date) -> bool:
        weekday = (day.weekday() + 1) % 7  # Python: Monday=0; cron: Sunday=0
        return day.month in self.months and day.day in self.days_of_month and weekday in self.days_of_week

    def _first_time_of_day(self, earliest: tuple[int, int, int]) -> tuple[int, int, int] | None:
        for hour in sorted(self.hours):
            if hour < earliest[0]:
                continue
            for minute in sorted(self.minutes):
                if (hour, minute) < earliest[:2]:
                    continue
                for second in sorted(self.seconds):
                    if (hour, minute, second) >= earliest:
                        return hour, minute, second
        return None


def _cron_field(
    text: str, low: int, high: int, names: dict[str, int], source: str, field_name: str
) -> frozenset[int]:
    def fail(reason: str) -> ValueError:
        return ValueError(f"invalid {field_name} field {text!r} in cron expression {source!r}: {reason}")

    def number(part: str) -> int:
        upper = part.upper()
        if upper in names:
            return names[upper]
        if not part.isdigit():
            if any(marker in upper for marker in ("L", "W", "#")):
                raise fail("'L', 'W' and '#' are not supported")
            raise fail(f"{part!r} is not a number" + (" or a name" if names else ""))
        value = int(part)
        if not low <= value <= high:
            raise fail(f"{value} is outside {low}-{high}")
        return value

    values: set[int] = set()
    for item in text.split(","):
        if not item:
            raise fail("empty list element")
        range_part, slash, step_part = item.partition("/")
        step = 1
        if slash:
            if not step_part.isdigit() or int(step_part) == 0:
                raise fail(f"invalid step {step_part!r}")
            step = int(step_part)
        if range_part in ("*", "?"):
            if range_part == "?" and field_name not in ("day-of-month", "day-of-week"):
                raise fail("'?' is only allowed for day-of-month and day-of-week")
            first, last = low, high
        elif "-" in range_part:
            start_text, _, end_text = range_part.partition("-")
            first, last = number(start_text), number(end_text)
            if first > last:
                raise fail(f"range {range_part!r} is reversed")
        else:
            first = number(range_part)
            last = high if slash else first
        values.update(range(first, last + 1, step))
    return frozenset(values)


# -- Schedules ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimerSchedule:
    """When a timer is due, and how it repeats.

    ``repetitions`` counts the firings left *including* the one at ``due`` (``R3/PT10S`` starts at 3,
    a duration or date timer has 1); None repeats forever. A repeating schedule has an ``interval``
    (ISO 8601 cycle) or a ``cron`` expression.
    """

    due: dt.datetime
    repetitions: int | None = 1
    interval: TimerInterval | None = None
    cron: CronExpression | None = None

    @property
    def due_timestamp(self) -> float:
        """``due`` in seconds since the epoch."""
        return self.due.timestamp()

    @property
    def repeats(self) -> bool:
        """Whether :meth:`next` yields another firing after this one."""
        return self.repetitions is None or self.repetitions > 1

    def next(self, now: dt.datetime | float) -> TimerSchedule | None:
        """The schedule of the firing after this one, or None when no repetitions are left."""
        if not self.repeats:
            return None
        now = _utc(now)
        repetitions = None if self.repetitions is None else self.repetitions - 1
        if self.cron is not None:
            due = self.cron.next_after(max(now, self.due))
        elif self.interval is not None:
            due = self.interval.after(self.due)
            if due <= now:
                due = self.interval.after(now)
        else:  # pragma: no cover - a repeating schedule always has an interval or a cron expression
            return None
        return TimerSchedule(due, repetitions, self.interval, self.cron)


_REPEATING = re.compile(r"R(\d*)/(.+)", re.ASCII | re.DOTALL)


def next_due(kind: TimerKind, value: object, now: dt.datetime | float) -> TimerSchedule:
    """Schedule a timer whose definition of ``kind`` has the (resolved) ``value``, at time ``now``.

    ``value`` is the static text of the definition or the result of its FEEL expression (a string, a
    ``timedelta``/``YearsMonthsDuration`` for durations, a ``datetime`` for dates). ``now`` is a
    ``datetime`` (naive means UTC) or seconds since the epoch. Raises :class:`ValueError` for anything
    that is not a valid timer of that kind.
    """
    now = _utc(now)
    if kind is TimerKind.DURATION:
        return TimerSchedule(_interval_of(value).after(now))
    if kind is TimerKind.DATE:
        return TimerSchedule(_zoned_date_time(value))
    if kind is TimerKind.CYCLE:
        if not isinstance(value, str):
            raise ValueError(
                f"expected a cycle like 'R5/PT10S' or a cron expression, but found {_describe(value)}"
            )
        return _cycle(value.strip(), now)
    raise ValueError(f"unknown timer kind: {kind!r}")  # pragma: no cover


def _cycle(text: str, now: dt.datetime) -> TimerSchedule:
    if not text.startswith("R"):
        cron = CronExpression.parse(text)
        return TimerSchedule(cron.next_after(now), None, cron=cron)
    match = _REPEATING.fullmatch(text)
    if match is None:
        raise ValueError(f"invalid repeating interval {text!r}: expected 'R<n>/<duration>', e.g. 'R5/PT10S'")
    count, body = match.groups()
    repetitions = int(count) if count else None
    if repetitions == 0:
        raise ValueError(f"invalid repeating interval {text!r}: the number of repetitions must be at least 1")
    start_text, slash, interval_text = body.rpartition("/")
    interval = parse_interval(interval_text)
    if not interval.positive:
        raise ValueError(f"invalid repeating interval {text!r}: the interval must be positive")
    if slash:
        start = _zoned_date_time(start_text)
        due = max(start, now)
    else:
        due = interval.after(now)
    return TimerSchedule(due, repetitions, interval)
