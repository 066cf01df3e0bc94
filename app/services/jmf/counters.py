"""Counters as meter readings per machine: ProductionCounter, TotalProductionCounter and HourCounter.

A reading is stored when a counter changes, with its increase since the previous reading. A counter that goes
down was reset (a new job, a replaced controller): the increase is then counted from zero.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session

from app.models import MeterReading
from app.services.jmf.messages import DeviceReport

METERS = {'production': 'production_counter', 'total_production': 'total_counter', 'hours': 'hour_counter'}


def increase(previous: float | None, value: float) -> float:
    """The increase from `previous` to `value`; the first reading adds nothing, a reset counts from zero."""
    if previous is None:
        return 0.0
    return value - previous if value >= previous else value


def record(session: Session, machine_id: int, at: datetime, report: DeviceReport) -> int:
    """Store the counters of a report that changed; returns how many readings were added."""
    added = 0
    for meter, attribute in METERS.items():
        value = getattr(report, attribute)
        if value is None:
            continue
        previous = session.exec(select(MeterReading.value).where(
            MeterReading.machine_id == machine_id, MeterReading.meter == meter)
            .order_by(MeterReading.at.desc(), MeterReading.id.desc()).limit(1)).scalars().first()
        if previous == value:
            continue
        unit = 'h' if meter == 'hours' else report.counter_unit
        session.add(MeterReading(machine_id=machine_id, meter=meter, at=at, value=value,
                                 delta=increase(previous, value), unit=unit))
        added += 1
    return added


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
        last = session.exec(select(MeterReading).where(
            MeterReading.machine_id == machine_id, MeterReading.meter == meter, MeterReading.at < end)
            .order_by(MeterReading.at.desc(), MeterReading.id.desc()).limit(1)).scalars().first()
        if last is None:
            continue
        total, count = session.exec(select(func.coalesce(func.sum(MeterReading.delta), 0.0), func.count()).where(
            MeterReading.machine_id == machine_id, MeterReading.meter == meter, MeterReading.at >= start,
            MeterReading.at < end)).one()
        result.append(MeterSummary(meter=meter, unit=last.unit, value=last.value, increase=float(total),
                                   readings=int(count)))
    return result
