"""Counters as meter readings per machine: ProductionCounter, TotalProductionCounter and HourCounter.

A reading is stored when a counter changes, with its increase since the previous reading. A counter that goes
down was reset (a new job, a replaced controller): the increase is then counted from zero. Past the signals'
retention a UTC day keeps one reading per meter (its last, carrying the day's increase): storage per device stays
bounded, while increases over whole days (maintenance by plates imaged) and the latest values stay exact.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlmodel import Session, col

from app.db import select_rows
from app.models import MeterReading
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


def compact_readings(session: Session, before: datetime, days: int | None = None) -> int:
    """Each whole UTC day before `before` (the last `days` of them, or all since the oldest reading) keeps one
    reading per machine and meter; returns how many rows went. One day at a time, in SQL: no day's rows are read
    into memory."""
    end = before.replace(hour=0, minute=0, second=0, microsecond=0)
    oldest = select_rows(session, select(func.min(col(MeterReading.at))).where(col(MeterReading.at) < end)).scalar()
    gone = 0
    day = oldest.replace(hour=0, minute=0, second=0, microsecond=0) if oldest is not None else end
    if days is not None:
        day = max(day, end - timedelta(days=days))
    while day < end:
        gone += _compact_day(session, day, day + timedelta(days=1))
        day += timedelta(days=1)
    session.commit()
    return gone


def _compact_day(session: Session, start: datetime, end: datetime) -> int:
    table, other = MeterReading.__table__, MeterReading.__table__.alias('other')  # type: ignore[attr-defined]
    same = and_(other.c.machine_id == table.c.machine_id, other.c.meter == table.c.meter, other.c.at >= start,
                other.c.at < end)
    last = select(other.c.id).where(same).order_by(other.c.at.desc(), other.c.id.desc()).limit(1).scalar_subquery()
    in_day = and_(table.c.at >= start, table.c.at < end)
    session.execute(update(table).where(in_day, table.c.id == last)
                    .values(delta=select(func.sum(other.c.delta)).where(same).scalar_subquery()))
    return int(session.execute(delete(table).where(in_day, table.c.id != last)).rowcount)  # type: ignore[attr-defined]
