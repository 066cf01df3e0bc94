"""Recurrence of maintenance tasks: calendar in the plant zone (DST, month ends), meters with resets, whichever
comes first, and the anchor (due date or completion)."""
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.services.maintenance.recurrence import (
    CalendarRule,
    add_months,
    due_state,
    first_calendar_due,
    local_moment,
    meter_increase,
    next_calendar_due,
)

BERLIN = ZoneInfo('Europe/Berlin')


def _local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


@pytest.mark.parametrize(('anchor', 'expected'), [
    ('2027-03-22 06:00', '2027-03-29 06:00'),   # across the spring change: still 06:00 local (04:00 UTC)
    ('2026-10-19 06:00', '2026-10-26 06:00'),   # across the autumn change: still 06:00 local (05:00 UTC)
    ('2026-12-28 06:00', '2027-01-04 06:00'),   # across the year end
])
def test_weekly_on_monday_keeps_local_time_across_dst(anchor: str, expected: str) -> None:
    rule = CalendarRule(every=1, unit='week', at_minute=6 * 60, weekday=0)
    due = next_calendar_due(rule, _local(anchor), BERLIN)
    assert due.astimezone(BERLIN).replace(tzinfo=None) == datetime.fromisoformat(expected)
    assert due - _local(anchor).astimezone(UTC) != timedelta(0)


def test_weekly_across_spring_change_is_167_hours() -> None:
    rule = CalendarRule(every=1, unit='week', at_minute=6 * 60, weekday=0)
    anchor = _local('2027-03-22 06:00')
    assert next_calendar_due(rule, anchor, BERLIN) - anchor == timedelta(hours=167)


def test_a_time_in_the_spring_gap_moves_forward() -> None:
    assert local_moment(date(2027, 3, 28), 150, BERLIN).astimezone(BERLIN).hour == 3


def test_a_repeated_autumn_time_is_its_first_pass() -> None:
    assert local_moment(date(2026, 10, 25), 150, BERLIN) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(('start', 'months', 'expected'), [
    (date(2027, 1, 31), 1, date(2027, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
    (date(2027, 2, 28), 1, date(2027, 3, 31)),  # back on the 31st after a short month
    (date(2027, 3, 31), 1, date(2027, 4, 30)),
    (date(2027, 11, 30), 2, date(2028, 1, 31)),
])
def test_monthly_on_the_31st(start: date, months: int, expected: date) -> None:
    assert add_months(start, months, 31) == expected


def test_monthly_chain_from_the_31st_never_drifts() -> None:
    rule = CalendarRule(every=1, unit='month', at_minute=7 * 60, month_day=31)
    due = _local('2027-01-31 07:00')
    days = []
    for _ in range(4):
        due = next_calendar_due(rule, due, BERLIN)
        days.append(due.astimezone(BERLIN).date())
    assert days == [date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30), date(2027, 5, 31)]


@pytest.mark.parametrize(('anchor', 'expected'), [
    ('2027-01-04 06:00', '2027-01-11 06:00'),  # anchored on the due date (a Monday)
    ('2027-01-06 15:00', '2027-01-11 06:00'),  # completed late on Wednesday: back on Monday, not 12 days later
])
def test_weekly_anchor_due_or_late_completion(anchor: str, expected: str) -> None:
    rule = CalendarRule(every=1, unit='week', at_minute=6 * 60, weekday=0)
    assert next_calendar_due(rule, _local(anchor), BERLIN) == _local(expected)


def test_every_n_days_from_completion() -> None:
    rule = CalendarRule(every=3, unit='day', at_minute=6 * 60)
    assert next_calendar_due(rule, _local('2027-01-06 15:00'), BERLIN) == _local('2027-01-09 06:00')


def test_first_due_is_the_next_matching_day() -> None:
    rule = CalendarRule(every=1, unit='week', at_minute=6 * 60, weekday=4)
    assert first_calendar_due(rule, _local('2027-01-06 15:00'), BERLIN) == _local('2027-01-08 06:00')


@pytest.mark.parametrize(('values', 'previous', 'expected'), [
    ([100, 150, 210], None, 110),
    ([100, 150, 20, 70], None, 120),   # reset after 150: 50 + 20 + 50
    ([30], 500, 30),                   # reset before the first reading in the window
    ([], 10, 0),
])
def test_meter_increase_with_counter_reset(values: list[float], previous: float | None, expected: float) -> None:
    assert meter_increase(values, previous) == expected


NOW = _local('2027-01-06 10:00').astimezone(UTC)


@pytest.mark.parametrize(('kwargs', 'state', 'reason'), [
    ({'due_at': NOW + timedelta(days=5)}, 'upcoming', None),
    ({'due_at': NOW + timedelta(hours=20)}, 'soon', 'calendar'),
    ({'due_at': NOW - timedelta(hours=2)}, 'due', 'calendar'),
    ({'due_at': NOW - timedelta(days=1)}, 'overdue', 'calendar'),
    # whichever comes first: the meter is reached before the calendar date
    ({'due_at': NOW + timedelta(days=20), 'meter_every': 5000, 'meter_used': 5200,
      'meter_due_at': NOW - timedelta(hours=1)}, 'due', 'meter'),
    ({'due_at': NOW + timedelta(days=20), 'meter_every': 5000, 'meter_used': 4600}, 'soon', 'meter'),
    ({'due_at': NOW - timedelta(hours=1), 'meter_every': 5000, 'meter_used': 100}, 'due', 'calendar'),
    ({'due_at': None, 'meter_every': 5000, 'meter_used': 5001,
      'meter_due_at': NOW - timedelta(days=2)}, 'overdue', 'meter'),
])
def test_whichever_comes_first(kwargs: dict[str, object], state: str, reason: str | None) -> None:
    result = due_state(now=NOW, zone=BERLIN, lead_days=1, **kwargs)  # type: ignore[arg-type]
    assert (result.state, result.reason) == (state, reason)
