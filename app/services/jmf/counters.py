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
    """Store the counters of an in-order report that changed; returns how many readings were added."""
    values = {meter: getattr(report, attribute) for meter, attribute in METERS.items()}
    if all(value is None for value in values.values()):
        return 0
    previous = _latest_values(session, machine_id)
    added = 0
    for meter, value in values.items():
        if value is None or previous.get(meter) == value:
            continue
        unit = 'h' if meter == 'hours' else report.counter_unit
        session.add(MeterReading(machine_id=machine_id, meter=meter, at=at, value=value,
                                 delta=increase(previous.get(meter), value), unit=unit))
        added += 1
    return added


def _latest_values(session: Session, machine_id: int) -> dict[str, float]:
    """Each meter's latest value in one query (readings are stored in time order, so the highest id is latest)."""
    newest = select(func.max(MeterReading.id)).where(MeterReading.machine_id == machine_id) \
        .group_by(MeterReading.meter)
    rows = session.exec(select(MeterReading.meter, MeterReading.value).where(MeterReading.id.in_(newest))).all()
    return dict(rows)  # type: ignore[arg-type]


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
