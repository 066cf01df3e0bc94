"""KPIs gain truth (issue 21): how much downtime the machines captured themselves vs what people typed, how long
a machine's stop waited for a person to take it (MTTA from the machine's own stop), how much downtime is still
unexplained, and the state ledger (production / standby / setup / stopped / down / no data) per machine and plant.

Minutes are clipped to the window; a person's report that joined a machine stop counts as the machine's (its
problem is the machine's). Machines count when they have a device link (they report), or people typed downtime.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from app.db import pk, select_rows
from app.models import CTPMachine, CTPProblemLog, DeviceLink, DowntimeSegment, MachineStop, ProblemStatus, utcnow
from app.services.access import Action, Actor, machine_scope, require
from app.services.jmf import ledger, reads, stops

Span = tuple[datetime, datetime]


@dataclass
class Truth:
    machine_id: int | None  # None: the plant (every machine counted)
    name: str
    reports: bool = False  # has a device link: its ledger is meaningful
    machine_minutes: float = 0.0
    typed_minutes: float = 0.0
    unexplained_minutes: float = 0.0
    unexplained_count: int = 0
    micro_stops: int = 0
    mtta_minutes: float | None = None
    mtta_count: int = 0
    ledger_seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(ledger.State, 0.0))


def machine_truth(session: Session, *, actor: Actor, start: datetime | None = None,
                  end: datetime | None = None) -> tuple[list[Truth], Truth]:
    """Per machine in scope (those that report or had typed downtime) and the plant total, over [start, end)."""
    require(actor, Action.READ_STATS)
    start, end = reads.window(start, end)
    names = dict(select_rows(session, select(pk(CTPMachine.id), col(CTPMachine.name)).where(
        machine_scope(session, actor, col(CTPMachine.id)), col(CTPMachine.retired_at).is_(None))).all())
    linked = set(select_rows(session, select(col(DeviceLink.machine_id)).where(
        col(DeviceLink.revoked_at).is_(None), col(DeviceLink.machine_id).in_(names))).scalars())
    rows = {mid: Truth(machine_id=mid, name=name, reports=mid in linked) for mid, name in names.items()}
    _machine_stops(session, rows, start, end)
    _typed(session, rows, start, end)
    for mid in linked:
        rows[mid].ledger_seconds = {str(k): v for k, v in
                                    ledger.totals(ledger.machine_ledger(session, mid, start, end)).items()}
        rows[mid].micro_stops = stops.micro_stop_count(session, mid, start, end)
    shown = sorted((t for t in rows.values() if t.reports or t.typed_minutes), key=lambda t: t.name)
    return shown, _plant(shown)


def _machine_stops(session: Session, rows: dict[int, Truth], start: datetime, end: datetime) -> None:
    now = utcnow()
    query = (select(MachineStop, CTPProblemLog).join(CTPProblemLog, col(CTPProblemLog.id) == col(MachineStop.log_id))
             .where(col(MachineStop.machine_id).in_(rows), col(MachineStop.kind) == 'stop',
                    col(MachineStop.started_at) < end, col(CTPProblemLog.deleted_at).is_(None),
                    col(CTPProblemLog.status) != ProblemStatus.CANCELLED))
    waits: dict[int, list[float]] = defaultdict(list)
    for stop, log in select_rows(session, query).all():
        minutes = _overlap((stop.started_at, stop.ended_at or now), start, end)
        if minutes <= 0 and (stop.ended_at or now) < start:
            continue
        row = rows[stop.machine_id]
        row.machine_minutes += minutes
        if stop.explained_at is None and log.category_id is None:
            row.unexplained_minutes += minutes
            row.unexplained_count += 1
        taken = log.acknowledged_at if log.acknowledged_by is not None else None  # a person, not the machine
        if taken is not None and start <= stop.started_at:
            waits[stop.machine_id].append(max(0.0, (taken - stop.started_at).total_seconds() / 60))
    for mid, each in waits.items():
        rows[mid].mtta_minutes, rows[mid].mtta_count = sum(each) / len(each), len(each)


def _typed(session: Session, rows: dict[int, Truth], start: datetime, end: datetime) -> None:
    """Unplanned stopping downtime of problems people reported, overlaps merged per machine."""
    now = utcnow()
    query = (select(col(DowntimeSegment.machine_id), col(DowntimeSegment.down_at), col(DowntimeSegment.up_at))
             .join(CTPProblemLog, col(CTPProblemLog.id) == col(DowntimeSegment.log_id))
             .where(col(DowntimeSegment.machine_id).in_(rows), col(DowntimeSegment.is_planned).is_(False),
                    col(CTPProblemLog.created_by).is_not(None), col(CTPProblemLog.deleted_at).is_(None),
                    col(DowntimeSegment.down_at) < end))
    spans: dict[int, list[Span]] = defaultdict(list)
    for mid, down, up in select_rows(session, query).all():
        spans[mid].append((max(down, start), min(up or now, end)))
    for mid, pieces in spans.items():
        rows[mid].typed_minutes = sum(_overlap(span, start, end) for span in _merged(pieces))


def _merged(spans: list[Span]) -> list[Span]:
    result: list[Span] = []
    for begin, finish in sorted(spans):
        if result and begin <= result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], finish))
        elif finish > begin:
            result.append((begin, finish))
    return result


def _overlap(span: Span, start: datetime, end: datetime) -> float:
    return max(0.0, (min(span[1], end) - max(span[0], start)).total_seconds() / 60)


def _plant(rows: list[Truth]) -> Truth:
    plant = Truth(machine_id=None, name='', reports=any(r.reports for r in rows))
    for row in rows:
        plant.machine_minutes += row.machine_minutes
        plant.typed_minutes += row.typed_minutes
        plant.unexplained_minutes += row.unexplained_minutes
        plant.unexplained_count += row.unexplained_count
        plant.micro_stops += row.micro_stops
        for state, seconds in row.ledger_seconds.items():
            plant.ledger_seconds[state] += seconds
    timed = [(r.mtta_minutes, r.mtta_count) for r in rows if r.mtta_minutes is not None]
    if timed:
        plant.mtta_count = sum(n for _, n in timed)
        plant.mtta_minutes = sum(m * n for m, n in timed) / plant.mtta_count
    return plant
