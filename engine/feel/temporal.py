"""ISO 8601 temporal values as FEEL (feel-scala) and Zeebe understand them.

This module is shared by the FEEL evaluator and by timer definitions (``PT10S``, ``P1D``,
``2025-01-01T10:00:00Z``), so the two always agree on what a literal means and how a value is
written back to JSON. Parsers raise :class:`ValueError` on malformed input; callers decide whether
that is ``null`` (FEEL built-ins) or an incident (timers).

Value model (mirrors feel-scala's value types):

* date -> :class:`datetime.date`
* local time / time with offset or zone -> :class:`datetime.time` (``tzinfo`` set when not local)
* local date-time / date-time with offset or zone -> :class:`datetime.datetime`
* days-time duration -> :class:`datetime.timedelta`
* years-months duration -> :class:`YearsMonthsDuration`
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "FormatStyle",
    "YearsMonthsDuration",
    "add_months",
    "format_date",
    "format_date_time",
    "format_duration",
    "format_time",
    "parse_date",
    "parse_date_time",
    "parse_duration",
    "parse_time",
    "zone_from_id",
]

FormatStyle = Literal["json", "feel"]


@dataclass(frozen=True, order=True, slots=True)
class YearsMonthsDuration:
    """A calendar duration (``P1Y2M``): kept apart from ``timedelta`` because a month has no fixed length."""

    months: int

    @property
    def years(self) -> int:
        """Whole years, truncated toward zero like ``java.time.Period.normalized()``."""
        return int(self.months / 12)

    @property
    def remaining_months(self) -> int:
        """Months left after the whole years, with the sign of the duration."""
        return self.months - self.years * 12

    def __neg__(self) -> YearsMonthsDuration:
        return YearsMonthsDuration(-self.months)

    def __add__(self, other: object) -> YearsMonthsDuration:
        if isinstance(other, YearsMonthsDuration):
            return YearsMonthsDuration(self.months + other.months)
        return NotImplemented

    def __sub__(self, other: object) -> YearsMonthsDuration:
        if isinstance(other, YearsMonthsDuration):
            return YearsMonthsDuration(self.months - other.months)
        return NotImplemented

    def __str__(self) -> str:
        return format_duration(self)


_DURATION = re.compile(
    r"(?P<sign>[-+])?P"
    r"(?:(?P<years>\d+)Y)?"
    r"(?:(?P<months>\d+)M)?"
    r"(?:(?P<weeks>\d+)W)?"
    r"(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?",
    re.ASCII,
)


def parse_duration(text: str) -> dt.timedelta | YearsMonthsDuration:
    """Parse an ISO 8601 duration.

    Years/months and days/time cannot be mixed: FEEL has two distinct duration types and a
    mixed value (``P1M1D``) has no exact length, so it is rejected instead of guessed.
    """
    match = _DURATION.fullmatch(text.strip())
    if match is None or text.strip().rstrip("T").endswith("P") or text.strip().endswith("T"):
        raise ValueError(f"invalid ISO 8601 duration: {text!r}")
    parts = match.groupdict()
    negative = parts["sign"] == "-"
    calendar_part = parts["years"] is not None or parts["months"] is not None
    clock_part = any(parts[name] is not None for name in ("weeks", "days", "hours", "minutes", "seconds"))
    if calendar_part and clock_part:
        raise ValueError(f"duration mixes years/months with days/time: {text!r}")
    if calendar_part:
        months = int(parts["years"] or 0) * 12 + int(parts["months"] or 0)
        return YearsMonthsDuration(-months if negative else months)
    seconds = Decimal((parts["seconds"] or "0").replace(",", "."))
    delta = dt.timedelta(
        weeks=int(parts["weeks"] or 0),
        days=int(parts["days"] or 0),
        hours=int(parts["hours"] or 0),
        minutes=int(parts["minutes"] or 0),
        seconds=int(seconds),
        microseconds=int((seconds - int(seconds)) * 1_000_000),
    )
    return -delta if negative else delta


def format_duration(value: dt.timedelta | YearsMonthsDuration) -> str:
    """Write a duration the way feel-scala prints it (``P1DT2H``, ``PT5M``, ``P1Y2M``, ``-PT1S``, ``P0D``).

    Days are never folded into months or years: a days-time duration has an exact length, which
    is what timers need. Fractions of a second are kept (feel-scala drops them) so that the text
    parses back to the same duration.
    """
    if isinstance(value, YearsMonthsDuration):
        if value.months == 0:
            return "P0Y"
        sign = "-" if value.months < 0 else ""
        years, months = divmod(abs(value.months), 12)
        text = (f"{years}Y" if years else "") + (f"{months}M" if months else "")
        return f"{sign}P{text}"
    if not value:
        return "P0D"
    sign = "-" if value < dt.timedelta(0) else ""
    value = abs(value)
    days = value.days
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{sign}P"
    if days:
        text += f"{days}D"
    if hours or minutes or seconds or value.microseconds:
        text += "T"
        if hours:
            text += f"{hours}H"
        if minutes:
            text += f"{minutes}M"
        if seconds or value.microseconds:
            text += f"{seconds}{_fraction(value.microseconds)}S"
    return text


def add_months(value: dt.date, months: int) -> dt.date:
    """Shift by calendar months, clamping the day like ``java.time`` (Jan 31 + 1 month = Feb 28/29).

    Works for ``datetime`` too because ``replace`` keeps the time part and the zone.
    """
    total = value.year * 12 + (value.month - 1) + months
    year, month = divmod(total, 12)
    day = min(value.day, calendar.monthrange(year, month + 1)[1])
    return value.replace(year=year, month=month + 1, day=day)


_DATE = r"(?P<year>-?\d{4,9})-(?P<month>\d{2})-(?P<day>\d{2})"
_TIME = r"(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,9}))?)?"
_ZONE = (
    r"(?:(?P<utc>[Zz])|(?P<offset>[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?))?"
    r"(?:@(?P<zone_at>[A-Za-z][A-Za-z0-9_+\-/]*)|\[(?P<zone_bracket>[A-Za-z][A-Za-z0-9_+\-/]*)\])?"
)
_DATE_RE = re.compile(_DATE, re.ASCII)
_TIME_RE = re.compile(_TIME + _ZONE, re.ASCII)
_DATE_TIME_RE = re.compile(_DATE + "T" + _TIME + _ZONE, re.ASCII)


def parse_date(text: str) -> dt.date:
    """Parse ``YYYY-MM-DD`` strictly; FEEL rejects other date shapes."""
    match = _DATE_RE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"invalid ISO 8601 date: {text!r}")
    return _date_of(match, text)


def parse_time(text: str) -> dt.time:
    """Parse a local time, a time with offset (``10:00:00+01:00``, ``Z``) or with a zone id (``@UTC``).

    A time without zone is kept naive: FEEL treats it as a local time.
    """
    match = _TIME_RE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"invalid ISO 8601 time: {text!r}")
    return _time_of(match, text).replace(tzinfo=_zone_of(match, text))


def parse_date_time(text: str) -> dt.datetime:
    """Parse a date-time with offset, ``Z``, zone id (``@Europe/Berlin``, ``+01:00[Europe/Berlin]``) or none.

    Without zone information the result is naive: FEEL calls it a local date-time and it only
    compares with other local date-times.
    """
    match = _DATE_TIME_RE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"invalid ISO 8601 date-time: {text!r}")
    try:
        date = _date_of(match, text)
        time = _time_of(match, text)
    except ValueError:
        raise ValueError(f"invalid ISO 8601 date-time: {text!r}") from None
    return dt.datetime.combine(date, time, tzinfo=_zone_of(match, text))


def _date_of(match: re.Match[str], text: str) -> dt.date:
    try:
        return dt.date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        raise ValueError(f"invalid ISO 8601 date: {text!r}") from None


def _time_of(match: re.Match[str], text: str) -> dt.time:
    fraction = (match["fraction"] or "").ljust(6, "0")[:6]
    try:
        return dt.time(int(match["hour"]), int(match["minute"]), int(match["second"] or 0), int(fraction))
    except ValueError:
        raise ValueError(f"invalid ISO 8601 time: {text!r}") from None


def _zone_of(match: re.Match[str], text: str) -> dt.tzinfo | None:
    zone_id = match["zone_at"] or match["zone_bracket"]
    if zone_id is not None:
        if match["zone_at"] is not None and (match["utc"] or match["offset"]):
            raise ValueError(f"both an offset and a zone id in {text!r}")
        return zone_from_id(zone_id)
    if match["utc"]:
        return dt.UTC
    if match["offset"]:
        return _offset_zone(match["offset"], text)
    return None


def zone_from_id(zone_id: str) -> dt.tzinfo:
    """Resolve an IANA zone id (``Europe/Berlin``) or ``Z``/``UTC``; ``ValueError`` if unknown."""
    if zone_id in ("Z", "UTC"):
        return dt.UTC if zone_id == "Z" else ZoneInfo("UTC")
    try:
        return ZoneInfo(zone_id)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone: {zone_id!r}") from None


def _offset_zone(offset: str, text: str) -> dt.tzinfo:
    digits = offset[1:].replace(":", "")
    hours, minutes, seconds = int(digits[0:2]), int(digits[2:4] or 0), int(digits[4:6] or 0)
    if hours > 18 or minutes > 59 or seconds > 59:
        raise ValueError(f"invalid zone offset in {text!r}")
    delta = dt.timedelta(hours=hours, minutes=minutes, seconds=seconds)
    return dt.timezone(-delta if offset[0] == "-" else delta)


def format_date(value: dt.date) -> str:
    """``YYYY-MM-DD``, as ``java.time.LocalDate.toString``."""
    return value.isoformat()


def format_time(value: dt.time, *, style: FormatStyle = "json") -> str:
    """Write a time as Zeebe does (``style="json"``) or as FEEL's ``string()`` does (``"feel"``).

    The two differ only for local times: Zeebe uses ``LocalTime.toString``, which drops zero
    seconds (``10:00``), while feel-scala always prints them (``10:00:00``).
    """
    if value.tzinfo is None and style == "json":
        text = f"{value.hour:02d}:{value.minute:02d}"
        if value.second or value.microsecond:
            text += f":{value.second:02d}"
        if value.microsecond:
            text += "." + (
                f"{value.microsecond:06d}"[:3]
                if value.microsecond % 1000 == 0
                else f"{value.microsecond:06d}"
            )
        return text
    text = f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}{_fraction(value.microsecond)}"
    if isinstance(value.tzinfo, ZoneInfo):
        return f"{text}@{value.tzinfo.key}"
    return text + _offset_suffix(value.utcoffset())


def format_date_time(value: dt.datetime, *, style: FormatStyle = "json") -> str:
    """Write a date-time as Zeebe does (``style="json"``) or as FEEL's ``string()`` does (``"feel"``).

    Zeebe writes ``ISO_ZONED_DATE_TIME`` (``2025-01-01T10:00:00+01:00[Europe/Berlin]``), FEEL
    writes ``2025-01-01T10:00:00@Europe/Berlin``; both keep the zone id so that a round trip does
    not lose daylight-saving rules. Local date-times have no suffix.
    """
    time = value.time()
    text = (
        f"{format_date(value.date())}T{time.hour:02d}:{time.minute:02d}:{time.second:02d}"
        f"{_fraction(time.microsecond)}"
    )
    if value.tzinfo is None:
        return text
    if isinstance(value.tzinfo, ZoneInfo):
        if style == "feel":
            return f"{text}@{value.tzinfo.key}"
        return f"{text}{_offset_suffix(value.utcoffset())}[{value.tzinfo.key}]"
    return text + _offset_suffix(value.utcoffset())


def _offset_suffix(offset: dt.timedelta | None) -> str:
    if offset is None:
        return ""
    if not offset:
        return "Z"
    sign = "-" if offset < dt.timedelta(0) else "+"
    total = int(abs(offset).total_seconds())
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")


def _fraction(microseconds: int) -> str:
    if not microseconds:
        return ""
    return "." + f"{microseconds:06d}".rstrip("0")
