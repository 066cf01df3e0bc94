"""When a maintenance task is due next: pure functions, no database (issue 22).

Calendar rules are computed in the plant's time zone, so "every week on Monday at 06:00" stays at 06:00 local
time across daylight-saving changes; a time that does not exist on a spring-forward day moves forward by the gap.
Monthly rules keep their day of the month: the 31st falls on the month's last day in shorter months and comes back
to the 31st afterwards. Meter rules count the increase of a counter, where a counter that goes down was reset and
counts again from zero (as app.services.jmf.counters stores it).
"""
import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

UNITS = ('day', 'week', 'month')
ANCHORS = ('due', 'completion')


@dataclass(frozen=True)
class CalendarRule:
    """Every `every` units, on `weekday` (weekly: 0 = Monday) or `month_day` (monthly), at `at_minute` local."""

    every: int
    unit: str
    at_minute: int = 6 * 60
    weekday: int | None = None
    month_day: int | None = None


def local_moment(day: date, at_minute: int, zone: ZoneInfo) -> datetime:
    """The UTC instant of a plant-local date and time of day; a time inside a DST gap moves forward by the gap."""
    naive = datetime.combine(day, time(at_minute // 60, at_minute % 60))
    # fold=0: a repeated autumn time is its first pass; a spring-gap time is read with the winter offset (forward)
    return naive.replace(tzinfo=zone).astimezone(UTC)


def add_months(day: date, months: int, month_day: int | None = None) -> date:
    """`day` moved by whole months, on `month_day` (default: day's own), clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(month_day or day.day, last))


def next_calendar_due(rule: CalendarRule, anchor: datetime, zone: ZoneInfo) -> datetime:
    """The next due moment after `anchor` (the previous due date or the completion, per task)."""
    start = anchor.astimezone(zone).date()
    if rule.unit == 'day':
        day = start + timedelta(days=rule.every)
    elif rule.unit == 'week':
        day = start + timedelta(weeks=rule.every)
        if rule.weekday is not None:  # the weekday on or after: a late Monday task done Wednesday comes back Monday
            day += timedelta(days=(rule.weekday - day.weekday()) % 7)
            if (day - start).days > 7 * rule.every:
                day -= timedelta(days=7)
    elif rule.unit == 'month':
        day = add_months(start, rule.every, rule.month_day)
    else:
        raise ValueError(f'unknown unit {rule.unit!r}')
    return local_moment(day, rule.at_minute, zone)


def first_calendar_due(rule: CalendarRule, now: datetime, zone: ZoneInfo) -> datetime:
    """The first due moment of a new task: today at its time (or its weekday / month day), not before now."""
    today = now.astimezone(zone).date()
    for offset in range(0, 32):
        day = today + timedelta(days=offset)
        if rule.unit == 'week' and rule.weekday is not None and day.weekday() != rule.weekday:
            continue
        if rule.unit == 'month' and rule.month_day is not None and day != add_months(day, 0, rule.month_day):
            continue
        moment = local_moment(day, rule.at_minute, zone)
        if moment >= now:
            return moment
    return next_calendar_due(rule, now, zone)


def meter_increase(values: Iterable[float], previous: float | None = None) -> float:
    """The total increase of a counter over readings in time order; a reading below its predecessor is a reset."""
    total = 0.0
    for value in values:
        if previous is not None:
            total += value - previous if value >= previous else value
        previous = value
    return total


@dataclass(frozen=True)
class DueState:
    """Where a work order stands: `state` is upcoming | soon | due | overdue; `reason` says which trigger."""

    state: str
    reason: str | None       # calendar | meter | None
    meter_used: float | None  # the meter's increase since the order started counting
    overdue_since: datetime | None = None


def overdue_after(due_at: datetime, zone: ZoneInfo) -> datetime:
    """A task due today is overdue from the plant-local midnight after its due day."""
    day = due_at.astimezone(zone).date() + timedelta(days=1)
    return local_moment(day, 0, zone)


def due_state(*, now: datetime, zone: ZoneInfo, due_at: datetime | None, lead_days: int,
              meter_every: float | None = None, meter_used: float | None = None,
              meter_due_at: datetime | None = None) -> DueState:
    """Whichever comes first: the calendar due date or the meter's interval (meter_due_at: when it was reached)."""
    meter_reached = meter_every is not None and meter_used is not None and meter_used >= meter_every
    moments = [m for m in (due_at, meter_due_at if meter_reached else None) if m is not None]
    reached = [m for m in moments if m <= now]
    if reached or meter_reached:
        first = min(reached) if reached else now
        late = overdue_after(first, zone)
        reason = 'calendar' if due_at is not None and due_at <= now and (not meter_reached or first == due_at) \
            else 'meter'
        if now >= late:
            return DueState('overdue', reason, meter_used, late)
        return DueState('due', reason, meter_used)
    soon_meter = meter_every is not None and meter_used is not None and meter_used >= 0.9 * meter_every
    soon_date = due_at is not None and now >= due_at - timedelta(days=lead_days)
    if soon_meter or soon_date:
        return DueState('soon', 'meter' if soon_meter and not soon_date else 'calendar', meter_used)
    return DueState('upcoming', None, meter_used)
