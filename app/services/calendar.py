"""The plant's operating calendar: weekly shift windows and closed days, turned into UTC intervals."""
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlmodel import Session, col

from app.config import get_settings
from app.db import prepared, select_rows
from app.errors import InvalidInput
from app.i18n import N_
from app.models import OperatingWindow, PlantClosure

Interval = tuple[datetime, datetime]


FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


def local_day_bounds(day: date, zone: ZoneInfo | None = None, *, field: str = 'date') -> Interval:
    """[local midnight, next local midnight) of a plant-local date, in UTC (23 or 25 h on DST days)."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidInput(N_('a date lies between {first} and {last}'), field=field, first=FIRST_DAY, last=LAST_DAY)
    zone = zone or get_settings().zone
    start = datetime.combine(day, time(), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(), zone).astimezone(UTC)
    return start, end


def local_range_bounds(first: date, last: date, zone: ZoneInfo | None = None) -> Interval:
    """From the start of `first` to the end of `last` (plant-local dates, inclusive), in UTC."""
    return local_day_bounds(first, zone, field='from')[0], local_day_bounds(last, zone, field='to')[1]


def weekly_windows(session: Session) -> list[tuple[int, int, int]]:
    return [(weekday, first, last) for weekday, first, last in select_rows(session, _windows_query())]


@prepared
def _windows_query() -> Select[int, int, int]:
    window = OperatingWindow
    return (select(col(window.weekday), col(window.start_minute), col(window.end_minute))
            .order_by(col(window.weekday), col(window.start_minute)))


def closures(session: Session) -> set[date]:
    return set(select_rows(session, _closures_query()).scalars())


@prepared
def _closures_query() -> Select[date]:
    return select(col(PlantClosure.day))


def closed_days(session: Session) -> list[tuple[date, str | None]]:
    """The closed days with their reasons, in date order (for the admin screens)."""
    return [(row.day, row.reason) for row in select_rows(session, select(PlantClosure)
                                                         .order_by(col(PlantClosure.day))).scalars()]


def operating_intervals(session: Session, start: datetime, end: datetime) -> list[Interval]:
    """Operating time inside [start, end) as UTC intervals; an empty calendar means 24/7."""
    windows = weekly_windows(session)
    if not windows:
        return [(start, end)]
    return expand(windows, closures(session), start, end, get_settings().zone)


def expand(windows: list[tuple[int, int, int]], closed: set[date], start: datetime, end: datetime,
           zone: ZoneInfo) -> list[Interval]:
    """Weekly local windows between two instants, clipped and merged."""
    result: list[Interval] = []
    day = start.astimezone(zone).date() - timedelta(days=1)
    while day <= end.astimezone(zone).date():
        if day not in closed:
            for weekday, first, last in windows:
                if weekday == day.weekday():
                    result.append(_clip(_local(day, first, zone), _local(day, last, zone), start, end))
        day += timedelta(days=1)
    return _merge([iv for iv in result if iv[0] < iv[1]])


def _local(day: date, minute: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=minute // 1440), time(minute % 1440 // 60, minute % 60),
                            zone).astimezone(UTC)


def _clip(a: datetime, b: datetime, start: datetime, end: datetime) -> Interval:
    return max(a, start), min(b, end)


def _merge(intervals: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged
