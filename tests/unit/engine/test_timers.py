"""Timer due dates: ISO 8601 durations, dates, repeating intervals and cron cycles."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest

from engine.bpmn.model import TimerKind
from engine.feel.temporal import YearsMonthsDuration
from engine.timers import CronExpression, TimerInterval, TimerSchedule, next_due, parse_interval

NOW = dt.datetime(2025, 1, 31, 12, 0, 0, tzinfo=dt.UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)


# -- Durations -----------------------------------------------------------------------------------------


def test_duration_is_due_after_that_time() -> None:
    schedule = next_due(TimerKind.DURATION, "PT10S", NOW)

    assert schedule == TimerSchedule(due=NOW + dt.timedelta(seconds=10))
    assert schedule.repetitions == 1
    assert schedule.next(NOW) is None


def test_duration_with_days_and_hours() -> None:
    assert next_due(TimerKind.DURATION, "P1DT2H", NOW).due == utc(2025, 2, 1, 14, 0, 0)


def test_duration_in_months_clamps_to_the_end_of_the_month() -> None:
    assert next_due(TimerKind.DURATION, "P1M", NOW).due == utc(2025, 2, 28, 12, 0, 0)


def test_duration_may_mix_calendar_and_clock_parts() -> None:
    assert parse_interval("P1Y2M3DT4H") == TimerInterval(months=14, delta=dt.timedelta(days=3, hours=4))


@pytest.mark.parametrize("text", ["PT10S", "P1D", "P1M", "P1Y2M", "P1M2DT3H", "-P1M", "PT1.5S"])
def test_interval_is_written_back_as_iso_text(text: str) -> None:
    interval = parse_interval(text)

    assert parse_interval(str(interval)) == interval


def test_feel_duration_values_are_accepted() -> None:
    assert next_due(TimerKind.DURATION, dt.timedelta(minutes=5), NOW).due == NOW + dt.timedelta(minutes=5)
    assert next_due(TimerKind.DURATION, YearsMonthsDuration(12), NOW).due == utc(2026, 1, 31, 12, 0, 0)


def test_due_date_is_utc_even_for_a_now_in_another_zone() -> None:
    berlin_now = NOW.astimezone(ZoneInfo("Europe/Berlin"))

    due = next_due(TimerKind.DURATION, "PT1M", berlin_now).due

    assert due.tzinfo is dt.UTC
    assert due == NOW + dt.timedelta(minutes=1)


def test_now_may_be_seconds_since_the_epoch() -> None:
    schedule = next_due(TimerKind.DURATION, "PT1M", NOW.timestamp())

    assert schedule.due == NOW + dt.timedelta(minutes=1)
    assert schedule.due_timestamp == NOW.timestamp() + 60


def test_naive_now_is_taken_as_utc() -> None:
    assert next_due(TimerKind.DURATION, "PT1M", NOW.replace(tzinfo=None)).due == NOW + dt.timedelta(minutes=1)


@pytest.mark.parametrize("text", ["PT5X", "P", "PT", "5 minutes", ""])
def test_invalid_duration_is_rejected(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        next_due(TimerKind.DURATION, text, NOW)


def test_duration_of_the_wrong_type_is_rejected() -> None:
    with pytest.raises(ValueError, match="expected a duration"):
        next_due(TimerKind.DURATION, 42, NOW)


def test_duration_too_large_for_a_date_is_rejected() -> None:
    with pytest.raises(ValueError, match="too large"):
        next_due(TimerKind.DURATION, "P99999Y", NOW)


# -- Dates ---------------------------------------------------------------------------------------------


def test_date_in_utc() -> None:
    assert next_due(TimerKind.DATE, "2025-03-01T10:00:00Z", NOW) == TimerSchedule(
        due=utc(2025, 3, 1, 10, 0, 0)
    )


def test_date_with_offset_is_converted_to_utc() -> None:
    assert next_due(TimerKind.DATE, "2025-03-01T10:00:00+02:00", NOW).due == utc(2025, 3, 1, 8, 0, 0)


@pytest.mark.parametrize(
    "text", ["2025-07-01T10:00:00@Europe/Berlin", "2025-07-01T10:00:00+02:00[Europe/Berlin]"]
)
def test_date_with_a_region_zone_id(text: str) -> None:
    assert next_due(TimerKind.DATE, text, NOW).due == utc(2025, 7, 1, 8, 0, 0)


def test_date_in_the_past_is_due_at_that_date() -> None:
    assert next_due(TimerKind.DATE, "2020-01-01T00:00:00Z", NOW).due == utc(2020, 1, 1, 0, 0, 0)


def test_date_without_time_zone_is_rejected() -> None:
    with pytest.raises(ValueError, match="no time zone information"):
        next_due(TimerKind.DATE, "2025-03-01T10:00:00", NOW)


def test_invalid_date_is_rejected() -> None:
    with pytest.raises(ValueError, match="date-time"):
        next_due(TimerKind.DATE, "next monday", NOW)


def test_feel_date_time_value_is_accepted() -> None:
    moment = dt.datetime(2025, 3, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))

    assert next_due(TimerKind.DATE, moment, NOW).due == utc(2025, 3, 1, 9, 0, 0)


# -- Repeating intervals -------------------------------------------------------------------------------


def test_cycle_with_repetitions_fires_that_many_times() -> None:
    first = next_due(TimerKind.CYCLE, "R3/PT10S", NOW)
    second = first.next(first.due)
    assert second is not None
    third = second.next(second.due)
    assert third is not None

    assert [first.due, second.due, third.due] == [NOW + dt.timedelta(seconds=s) for s in (10, 20, 30)]
    assert [first.repetitions, second.repetitions, third.repetitions] == [3, 2, 1]
    assert third.next(third.due) is None


def test_cycle_without_count_repeats_forever() -> None:
    schedule = next_due(TimerKind.CYCLE, "R/PT1H", NOW)

    assert schedule.repetitions is None
    assert schedule.interval == TimerInterval(delta=dt.timedelta(hours=1))
    following = schedule.next(schedule.due)
    assert following is not None
    assert following.repetitions is None
    assert following.due == NOW + dt.timedelta(hours=2)


def test_cycle_with_a_future_start_fires_first_at_the_start() -> None:
    schedule = next_due(TimerKind.CYCLE, "R5/2025-02-01T10:00:00Z/PT1H", NOW)

    assert schedule.due == utc(2025, 2, 1, 10, 0, 0)
    following = schedule.next(schedule.due)
    assert following is not None
    assert following.due == utc(2025, 2, 1, 11, 0, 0)


def test_cycle_with_a_past_start_fires_immediately() -> None:
    assert next_due(TimerKind.CYCLE, "R5/2025-01-01T10:00:00Z/PT1H", NOW).due == NOW


def test_missed_cycle_firings_are_not_caught_up() -> None:
    schedule = next_due(TimerKind.CYCLE, "R/PT1M", NOW)
    late = schedule.due + dt.timedelta(minutes=10, seconds=30)

    following = schedule.next(late)

    assert following is not None
    assert following.due == late + dt.timedelta(minutes=1)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("R0/PT1M", "at least 1"),
        ("R/PT0S", "must be positive"),
        ("R3", "expected 'R<n>/<duration>'"),
        ("Rx/PT1M", "expected 'R<n>/<duration>'"),
        ("R3/PT5X", "duration"),
        ("R3/2025-01-01T10:00:00/PT1M", "no time zone information"),
    ],
)
def test_invalid_repeating_interval_is_rejected(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        next_due(TimerKind.CYCLE, text, NOW)


def test_cycle_of_the_wrong_type_is_rejected() -> None:
    with pytest.raises(ValueError, match="expected a cycle"):
        next_due(TimerKind.CYCLE, dt.timedelta(minutes=1), NOW)


# -- Cron ----------------------------------------------------------------------------------------------


def test_cron_cycle_fires_at_the_next_matching_time_forever() -> None:
    # 2025-01-31 is a Friday: the next weekday 09:00 is Monday 2025-02-03.
    schedule = next_due(TimerKind.CYCLE, "0 0 9 * * MON-FRI", NOW)

    assert schedule.due == utc(2025, 2, 3, 9, 0, 0)
    assert schedule.repetitions is None
    following = schedule.next(schedule.due)
    assert following is not None
    assert following.due == utc(2025, 2, 4, 9, 0, 0)


def test_cron_steps_and_lists() -> None:
    cron = CronExpression.parse("*/15 0,30 * * * ?")

    assert cron.next_after(utc(2025, 1, 1, 10, 0, 50)) == utc(2025, 1, 1, 10, 30, 0)


def test_cron_macro() -> None:
    assert next_due(TimerKind.CYCLE, "@daily", NOW).due == utc(2025, 2, 1, 0, 0, 0)


def test_cron_sunday_is_zero_or_seven() -> None:
    assert (
        CronExpression.parse("0 0 0 * * 7").days_of_week == CronExpression.parse("0 0 0 * * SUN").days_of_week
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0 0 9 * *", "must have 6 fields"),
        ("0 0 25 * * *", "outside 0-23"),
        ("0 0 9 L * *", "not supported"),
        ("0 0 9 ? * MON#2", "not supported"),
        ("0 0 0 30 2 *", "never matches"),
        ("0 0 9 * * FUNDAY", "not a number or a name"),
    ],
)
def test_invalid_cron_expression_is_rejected(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        next_due(TimerKind.CYCLE, text, NOW)


def test_timers_can_be_imported_before_the_bpmn_package() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import engine.timers; import engine.bpmn; print(engine.bpmn.parse_resource)"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
