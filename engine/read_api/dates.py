"""Dates as Operate's v1 API writes them: ``2024-01-01T10:00:00.000+0000`` (UTC, milliseconds)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def format_date(timestamp: float | None) -> str | None:
    """Epoch seconds (as the engine stores them) to Operate's date format, rounded to the millisecond."""
    if timestamp is None:
        return None
    seconds, millis = divmod(round(timestamp * 1000), 1000)
    moment = _EPOCH + timedelta(seconds=seconds)
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{millis:03d}+0000"


def parse_date_millis(text: str) -> int:
    """An ISO 8601 date (Operate's format, ``Z`` or ``+00:00`` offsets too) to epoch milliseconds.

    A date without an offset is taken as UTC. Raises ``ValueError`` if the text is not a date.
    """
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return round((moment - _EPOCH) / _MILLISECOND)
