"""KPIs in SQL (DOMAIN.md §5): merged downtime episodes, clipping, operating hours, MTTR, MTBF, MTTA.

Times are turned into epoch seconds inside the query; overlapping segments of a machine are merged with
window functions (gaps and islands), so a year of history is a handful of aggregate queries.
This module is the entry point and keeps every public name: the figures live in kpi_figures, the query pieces and
machine lives in kpi_sql, the live sums in kpi_live, the trend in kpi_trend.
"""
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from app import i18n
from app.db import pk, select_rows
from app.models import CTPMachine, utcnow
from app.services import calendar, failures, kpi_live, kpi_sql, rollup_read, taxonomy
from app.services.access import Action, Actor, machine_scope, require
from app.services.kpi_figures import CauseRow, MachineStats, headline_is_24_7, plant_totals
from app.services.kpi_sql import CHAIN_MARGIN, lives
from app.services.kpi_trend import downtime_trend

UNCATEGORISED = 'Uncategorised'  # kpi_live's name for causes without a category

__all__ = ['CHAIN_MARGIN', 'CauseRow', 'MachineStats', 'board_causes', 'compute', 'downtime_seconds_by_machine',
           'downtime_trend', 'headline_is_24_7', 'lives', 'machine_stats', 'plant_totals']


def machine_stats(session: Session, *, actor: Actor, start: datetime, end: datetime,
                  machine_ids: list[int] | None = None, now: datetime | None = None) -> dict[int, MachineStats]:
    """KPIs per machine in the actor's scope for [start, end)."""
    require(actor, Action.READ_STATS)
    ids_query = select(pk(CTPMachine.id)).where(machine_scope(session, actor, col(CTPMachine.id)))
    if machine_ids is not None:
        ids_query = ids_query.where(col(CTPMachine.id).in_(machine_ids))
    ids = list(select_rows(session, ids_query).scalars())
    return causes_in_language(session, compute(session, ids, start, end, now or utcnow()))


def causes_in_language(session: Session, per: dict[int, MachineStats]) -> dict[int, MachineStats]:
    """Each cause named in the current language (a subsystem's name in it, else its name)."""
    names = taxonomy.subsystem_names(session)
    for row in per.values():
        row.top_causes = [replace(cause, subsystem=i18n._('Uncategorised') if cause.subsystem == UNCATEGORISED
                                  else taxonomy.localized(cause.subsystem, names.get(cause.subsystem)))
                          for cause in row.top_causes]
    return per


def compute(session: Session, ids: list[int], start: datetime, end: datetime, now: datetime, *,
            use_rollup: bool = True) -> dict[int, MachineStats]:
    """KPIs of [start, end) cut to each machine's life and to now (DOMAIN.md §5.15-16): whole closed days from the
    daily roll-up, the rest live from segments. A machine with nothing of the window left gets window 0, no KPIs.

    `use_rollup=False` computes everything live (the roll-up's tests compare the two)."""
    result = {mid: MachineStats(machine_id=mid, window_minutes=0.0) for mid in ids}
    windows: dict[tuple[datetime, datetime], list[int]] = {}
    for mid, (first, stop) in lives(session, ids, start, min(end, now)).items():
        if first < stop:
            windows.setdefault((first, stop), []).append(mid)
    for (first, stop), mids in windows.items():
        result.update(_compute(session, mids, first, stop, now, use_rollup))
    return result


def _compute(session: Session, ids: list[int], start: datetime, end: datetime, now: datetime,
             use_rollup: bool) -> dict[int, MachineStats]:
    window = (end - start).total_seconds() / 60
    result = {mid: MachineStats(machine_id=mid, window_minutes=window) for mid in ids}
    ops = calendar.operating_intervals(session, start, end)
    op_minutes = sum((b - a).total_seconds() for a, b in ops) / 60
    totals = {mid: rollup_read.Totals() for mid in ids}
    plan = rollup_read.split(ids, start, end, rollup_read.cut_days(session, ids, now) if use_rollup else None)
    rollup_read.add_rolled(session, totals, plan.days)
    for (a, b, _), mids in plan.live.items():
        kpi_live.add_live(session, totals, mids, a, b, now)
    for mid, stats in result.items():
        kpi_live.finish(stats, totals[mid], op_minutes)
    kpi_live.add_reopens(session, result, start, end)
    kpi_live.add_not_machine_faults(session, result, start, end, now)
    return result


def downtime_seconds_by_machine(session: Session, ids: list[int], start: datetime, end: datetime,
                                now: datetime) -> dict[int, float]:
    """All stop time (planned and unplanned, merged) inside [start, end) per machine: the board's 'today'."""
    if not ids:
        return {}
    every = kpi_sql.episodes(kpi_sql.segments(ids, start, end, now, planned=None, margin=timedelta(0)))
    inside, _ = kpi_sql.sum_by_machine(session, every, failures.ts(start), failures.ts(end), [])
    return inside


def board_causes(session: Session, *, actor: Actor, start: datetime, end: datetime,
                 limit: int = 3) -> list[CauseRow]:
    """The top causes (unplanned minutes by subsystem) over the machines a board may see: readable by displays."""
    require(actor, Action.READ)
    ids = list(select_rows(session, select(pk(CTPMachine.id)).where(machine_scope(session, actor, col(CTPMachine.id)),
                                                        col(CTPMachine.retired_at).is_(None))).scalars())
    causes = plant_totals(causes_in_language(session, compute(session, ids, start, end, utcnow()))).top_causes
    return [c for c in causes if c.minutes > 0][:limit]

