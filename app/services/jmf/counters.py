"""Counters as meter readings per machine: ProductionCounter, TotalProductionCounter and HourCounter.

A reading is stored when a counter changes, with its increase since the previous reading. A counter that goes
down was reset (a new job, a replaced controller): the increase is then counted from zero.
"""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
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


def record(session: Session, machine_id: int, at: datetime, report: DeviceReport,
           previous: dict[str, float] | None = None) -> int:
    """Store the counters of an in-order report that changed; returns how many readings were added. `previous`:
    the machine's latest values when the caller already has them (kept up to date here)."""
    values = {meter: getattr(report, attribute) for meter, attribute in METERS.items()}
    if all(value is None for value in values.values()):
        return 0
    previous = latest_values(session, machine_id) if previous is None else previous
    added = 0
    for meter, value in values.items():
        if value is None or previous.get(meter) == value:
            continue
        unit = 'h' if meter == 'hours' else report.counter_unit
        session.add(MeterReading(machine_id=machine_id, meter=meter, at=at, value=value,
                                 delta=increase(previous.get(meter), value), unit=unit))
        previous[meter] = value
        added += 1
    return added


def latest_values(session: Session, machine_id: int) -> dict[str, float]:
    """Each meter's latest value in one query (readings are stored in time order, so the highest id is latest)."""
    newest = select(func.max(col(MeterReading.id))).where(col(MeterReading.machine_id) == machine_id) \
        .group_by(MeterReading.meter)
    rows = select_rows(session, select(col(MeterReading.meter), col(MeterReading.value)).where(col(MeterReading.id)
                                                                                               .in_(newest))).all()
    return dict(rows)


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
