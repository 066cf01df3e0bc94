"""Counters as meter readings per machine: ProductionCounter, TotalProductionCounter and HourCounter.

A reading is stored when a counter changes, with its increase since the previous reading. A counter that goes
down was reset (a new job, a replaced controller): the increase is then counted from zero. Past the signals'
retention a UTC day keeps one reading per meter (its last, carrying the day's increase): storage per device stays
bounded, while increases over whole days (maintenance by plates imaged) and the latest values stay exact.
"""
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlmodel import Session, col

from app.db import pk, select_rows
from app.models import CTPMachine, MeterReading
from app.services.jmf.messages import DeviceReport

METERS = {'production': 'production_counter', 'total_production': 'total_counter', 'hours': 'hour_counter'}


def increase(previous: float | None, value: float) -> float:
    """The increase from `previous` to `value`; the first reading adds nothing, a reset counts from zero."""
    if previous is None:
        return 0.0
    return value - previous if value >= previous else value


def readings(previous: dict[str, float], machine_id: int, at: datetime, report: DeviceReport) -> list[dict[str, Any]]:
    """The meter readings (rows) of an in-order report's counters that changed since `previous`, the machine's
    latest values, which are brought up to date."""
    rows = []
    for meter, attribute in METERS.items():
        value = getattr(report, attribute)
        if value is None or previous.get(meter) == value:
            continue
        rows.append({'machine_id': machine_id, 'meter': meter, 'at': at, 'value': value,
                     'delta': increase(previous.get(meter), value),
                     'unit': 'h' if meter == 'hours' else report.counter_unit})
        previous[meter] = value
    return rows


@dataclass(frozen=True)
class MeterSummary:
    meter: str
    unit: str
    value: float | None      # the latest reading up to the end of the window
    increase: float          # the increase inside the window
    readings: int


def meters(session: Session, machine_id: int, start: datetime, end: datetime) -> list[MeterSummary]:
    """Each meter of the machine: its latest value and its increase in [start, end)."""
    result = []
    for meter in METERS:
        last = select_rows(session, select(MeterReading).where(
            col(MeterReading.machine_id) == machine_id, col(MeterReading.meter) == meter, col(MeterReading.at) < end)
            .order_by(col(MeterReading.at).desc(), col(MeterReading.id).desc()).limit(1)).scalars().first()
        if last is None:
            continue
        total, count = select_rows(session, select(func.coalesce(func.sum(col(MeterReading.delta)), 0.0),
                                                   func.count()).where(
            col(MeterReading.machine_id) == machine_id, col(MeterReading.meter) == meter, col(MeterReading.at) >= start,
            col(MeterReading.at) < end)).one()
        result.append(MeterSummary(meter=meter, unit=last.unit, value=last.value, increase=float(total),
                                   readings=int(count)))
    return result


def compact_readings(session: Session, before: datetime, since: datetime | None = None) -> datetime:
    """Each whole UTC day before `before`, from `since` (or the oldest reading), keeps one reading per machine and
    meter. One day and one machine's meter at a time, through the (machine, meter, at) index, a commit per day: no
    day's rows are read into memory and other writers wait at most a day's statements. Returns the midnight it
    compacted up to, the `since` of the next call."""
    end = before.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if since is not None and since >= end:
        return since  # the periodic call within a day: nothing to read
    pairs = [(machine_id, meter) for machine_id in select_rows(session, select(pk(CTPMachine.id))).scalars()
             for meter in METERS]
    day = since if since is not None else min(
        (at for at in (_oldest(session, machine_id, meter) for machine_id, meter in pairs) if at is not None),
        default=end).astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    while day < end:
        for machine_id, meter in pairs:
            _compact(session, machine_id, meter, day, day + timedelta(days=1))
        session.commit()
        day += timedelta(days=1)
    return max(day, end)


def _oldest(session: Session, machine_id: int, meter: str) -> datetime | None:
    return select_rows(session, select(func.min(col(MeterReading.at))).where(
        col(MeterReading.machine_id) == machine_id, col(MeterReading.meter) == meter)).scalar()


def _compact(session: Session, machine_id: int, meter: str, start: datetime, end: datetime) -> None:
    """The day's last reading of the meter carries the day's increase; the others go."""
    table, other = MeterReading.__table__, MeterReading.__table__.alias('other')  # type: ignore[attr-defined]
    day = and_(other.c.machine_id == machine_id, other.c.meter == meter, other.c.at >= start, other.c.at < end)
    last = select(other.c.id).where(day).order_by(other.c.at.desc(), other.c.id.desc()).limit(1).scalar_subquery()
    mine = and_(table.c.machine_id == machine_id, table.c.meter == meter, table.c.at >= start, table.c.at < end)
    session.execute(update(table).where(mine, table.c.id == last)
                    .values(delta=select(func.sum(other.c.delta)).where(day).scalar_subquery()))
    session.execute(delete(table).where(mine, table.c.id != last))
