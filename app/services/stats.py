"""KPIs in SQL (DOMAIN.md §5): merged downtime episodes, clipping, operating hours, MTTR, MTBF, MTTA.

Times are turned into epoch seconds inside the query; overlapping segments of a machine are merged with
window functions (gaps and islands), so a year of history is a handful of aggregate queries.
This module is the entry point and keeps every public name: the figures live in kpi_figures, the query pieces and
machine lives in kpi_sql, the live sums in kpi_live, the trend in kpi_trend.
"""
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from app import i18n
from app.db import pk, select_rows
from app.models import Category, CTPMachine, CTPProblemLog, DowntimeSegment, utcnow
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
    """All stop time (planned and unplanned, merged) inside [start, end) per machine: the board's 'today'.

    The segments of a day are few: they are merged here rather than by the window-function query the KPIs use
    (whose construction alone cost the board's read of a changed machine ~4 ms per change); same rows, same
    millisecond rounding, same merge (a segment starting at or before the running end joins the episode)."""
    if not ids:
        return {}
    seg = DowntimeSegment
    query = (select(col(seg.machine_id), col(seg.down_at), col(seg.up_at))
             .join(CTPProblemLog, col(CTPProblemLog.id) == col(seg.log_id))
             .outerjoin(Category, col(Category.id) == col(CTPProblemLog.category_id))
             .where(col(seg.machine_id).in_(ids), *failures.counted(), col(seg.down_at) < end,
                    kpi_sql.ends_after(start, inclusive=True)))
    spans: dict[int, list[tuple[float, float]]] = {}
    for mid, down, up in select_rows(session, query):
        spans.setdefault(mid, []).append((failures.ts(down), failures.ts(up or now)))
    ws, we = failures.ts(start), failures.ts(end)
    return {mid: _merged_inside(sorted(rows), ws, we) for mid, rows in spans.items()}


def _merged_inside(spans: list[tuple[float, float]], ws: float, we: float) -> float:
    """Seconds of the union of sorted spans inside [ws, we)."""
    total, s0, e0 = 0.0, None, float('-inf')
    for s, e in spans:
        if s0 is not None and s <= e0:
            e0 = max(e0, e)
            continue
        if s0 is not None:
            total += max(0.0, min(e0, we) - max(s0, ws))
        s0, e0 = s, e
    if s0 is not None:
        total += max(0.0, min(e0, we) - max(s0, ws))
    return total


def board_causes(session: Session, *, actor: Actor, start: datetime, end: datetime,
                 limit: int = 3) -> list[CauseRow]:
    """The top causes (unplanned minutes by subsystem) over the machines a board may see: readable by displays."""
    require(actor, Action.READ)
    ids = list(select_rows(session, select(pk(CTPMachine.id)).where(machine_scope(session, actor, col(CTPMachine.id)),
                                                        col(CTPMachine.retired_at).is_(None))).scalars())
    causes = plant_totals(causes_in_language(session, compute(session, ids, start, end, utcnow()))).top_causes
    return [c for c in causes if c.minutes > 0][:limit]

