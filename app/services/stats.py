"""KPIs in SQL (DOMAIN.md §5): merged downtime episodes, clipping, operating hours, MTTR, MTBF, MTTA.

Times are turned into epoch seconds inside the query; overlapping segments of a machine are merged with
window functions (gaps and islands), so a year of history is a handful of aggregate queries.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Float, Integer, Select, case, column, false, func, literal, or_, select, true, values
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from app.models import Category, CTPMachine, CTPProblemLog, DowntimeSegment, ProblemStatus, utcnow
from app.services import calendar
from app.services.access import Action, Actor, machine_scope, require
from app.sqlfuncs import epoch, greatest, least

CHAIN_MARGIN = timedelta(days=31)  # segments this far outside the window may still chain into an episode


@dataclass
class CauseRow:
    subsystem: str
    minutes: float
    count: int


@dataclass
class MachineStats:
    """The KPIs of one machine (or the plant) over a window; minutes are floats, rounded only for display."""

    machine_id: int | None
    window_minutes: float
    operating_minutes: float = 0.0
    problem_count: int = 0
    failure_count: int = 0
    planned_count: int = 0
    episodes: int = 0
    unplanned_downtime_minutes: float = 0.0
    unplanned_operating_downtime_minutes: float = 0.0
    planned_downtime_minutes: float = 0.0
    planned_operating_minutes: float = 0.0
    episode_minutes: float = 0.0
    mtta_minutes: float | None = None
    vendor_response_minutes: float | None = None
    plates_lost: int = 0
    top_causes: list[CauseRow] = field(default_factory=list)

    @property
    def planned_operating_time(self) -> float:
        """P: operating minutes minus planned downtime inside them."""
        return max(0.0, self.operating_minutes - self.planned_operating_minutes)

    @property
    def availability(self) -> float | None:
        p = self.planned_operating_time
        return (p - self.unplanned_operating_downtime_minutes) / p if p > 0 else None

    @property
    def availability_24_7(self) -> float | None:
        w = self.window_minutes
        return 1 - self.unplanned_downtime_minutes / w if w > 0 else None

    @property
    def mttr_minutes(self) -> float | None:
        return self.episode_minutes / self.episodes if self.episodes else None

    @property
    def mtbf_minutes(self) -> float | None:
        p = self.planned_operating_time
        return (p - self.unplanned_operating_downtime_minutes) / self.episodes if self.episodes else None


def machine_stats(session: Session, *, actor: Actor, start: datetime, end: datetime,
                  machine_ids: list[int] | None = None, now: datetime | None = None) -> dict[int, MachineStats]:
    """KPIs per machine in the actor's scope for [start, end)."""
    require(actor, Action.READ_STATS)
    ids_query = select(CTPMachine.id).where(machine_scope(session, actor, CTPMachine.id))
    if machine_ids is not None:
        ids_query = ids_query.where(CTPMachine.id.in_(machine_ids))
    ids = list(session.exec(ids_query).scalars())
    return compute(session, ids, start, end, now or utcnow())


def plant_totals(per_machine: dict[int, MachineStats]) -> MachineStats:
    """Plant totals: sums of minutes and counts; availability and means follow from the sums."""
    rows = list(per_machine.values())
    total = MachineStats(machine_id=None, window_minutes=sum(r.window_minutes for r in rows))
    for name in ('operating_minutes', 'problem_count', 'failure_count', 'planned_count', 'episodes',
                 'unplanned_downtime_minutes', 'unplanned_operating_downtime_minutes', 'planned_downtime_minutes',
                 'planned_operating_minutes', 'episode_minutes', 'plates_lost'):
        setattr(total, name, sum(getattr(r, name) for r in rows))
    total.mtta_minutes = _weighted([(r.mtta_minutes, r.problem_count) for r in rows])
    total.vendor_response_minutes = _weighted([(r.vendor_response_minutes, r.problem_count) for r in rows])
    causes: dict[str, CauseRow] = {}
    for row in rows:
        for cause in row.top_causes:
            agg = causes.setdefault(cause.subsystem, CauseRow(cause.subsystem, 0.0, 0))
            agg.minutes += cause.minutes
            agg.count += cause.count
    total.top_causes = sorted(causes.values(), key=lambda c: (-c.minutes, -c.count, c.subsystem))
    return total


def _weighted(pairs: list[tuple[float | None, int]]) -> float | None:
    used = [(v, n) for v, n in pairs if v is not None and n]
    weight = sum(n for _, n in used)
    return sum(v * n for v, n in used) / weight if weight else None


def compute(session: Session, ids: list[int], start: datetime, end: datetime, now: datetime) -> dict[int, MachineStats]:
    window = (end - start).total_seconds() / 60
    result = {mid: MachineStats(machine_id=mid, window_minutes=window) for mid in ids}
    if not ids:
        return result
    ops = calendar.operating_intervals(session, start, end)
    op_minutes = sum((b - a).total_seconds() for a, b in ops) / 60
    for stats in result.values():
        stats.operating_minutes = op_minutes
    _fill_downtime(session, result, ids, start, end, now, ops)
    _fill_counts(session, result, ids, start, end)
    _fill_causes(session, result, ids, start, end, now)
    return result


def _segments(ids: list[int], start: datetime, end: datetime, now: datetime, planned: bool | None,
              margin: timedelta = CHAIN_MARGIN) -> Select[tuple[int, float, float]]:
    """Machine-fault stop segments near the window as (m, s, e) epoch seconds; running ones end now.

    `margin` lets segments outside the window chain into episodes that reach it (episode counts, MTTR); a sum
    clipped to the window needs none: the union of the segments inside a window is the same without them."""
    up = func.coalesce(DowntimeSegment.up_at, now)
    query = (select(DowntimeSegment.machine_id.label('m'), epoch(DowntimeSegment.down_at).label('s'),
                    epoch(up).label('e'))
             .join(CTPProblemLog, CTPProblemLog.id == DowntimeSegment.log_id)
             .outerjoin(Category, Category.id == CTPProblemLog.category_id)
             .where(DowntimeSegment.machine_id.in_(ids), CTPProblemLog.deleted_at.is_(None),
                    CTPProblemLog.status != ProblemStatus.CANCELLED,
                    func.coalesce(Category.machine_fault, true()) == true(),
                    DowntimeSegment.down_at < end + margin, up > start - margin, _ends_after(start - margin)))
    if planned is not None:
        query = query.where(DowntimeSegment.is_planned == (true() if planned else false()))
    return query  # type: ignore[return-value]


def _ends_after(moment: datetime) -> ColumnElement[bool]:
    """Still running or ended after `moment`: the same rows as coalesce(up_at, now) > moment (now is later), but
    in a form the (machine_id, up_at) index can answer, so a window does not scan the whole history."""
    return or_(DowntimeSegment.up_at.is_(None), DowntimeSegment.up_at > moment)


def _episodes(segments: Select[tuple[int, float, float]]):  # type: ignore[no-untyped-def]
    """Gaps and islands: merge overlapping segments per machine into episodes (m, s, e)."""
    seg = segments.cte('seg')
    prev_end = func.max(seg.c.e).over(partition_by=seg.c.m, order_by=(seg.c.s, seg.c.e), rows=(None, -1))
    flagged = select(seg.c.m, seg.c.s, seg.c.e, case((prev_end.is_(None), 1), (seg.c.s > prev_end, 1),
                                                     else_=0).label('new')).cte('flagged')
    grouped = select(flagged.c.m, flagged.c.s, flagged.c.e, func.sum(flagged.c.new).over(
        partition_by=flagged.c.m, order_by=(flagged.c.s, flagged.c.e), rows=(None, 0)).label('g')).cte('grouped')
    return (select(grouped.c.m, func.min(grouped.c.s).label('s'), func.max(grouped.c.e).label('e'))
            .group_by(grouped.c.m, grouped.c.g).cte('episodes').prefix_with('MATERIALIZED'))


def _clipped(ep, a: ColumnElement[float] | float, b: ColumnElement[float] | float) -> ColumnElement[float]:  # type: ignore[no-untyped-def]
    return greatest(literal(0.0), least(ep.c.e, b) - greatest(ep.c.s, a))


def _sum_by_machine(session: Session, ep, ws: float, we: float,  # type: ignore[no-untyped-def]
                    ops: list[calendar.Interval]) -> tuple[dict[int, float], dict[int, float]]:
    """(seconds inside the window, seconds inside operating hours) per machine; one statement, episodes once."""
    query = select(literal(0).label('k'), ep.c.m, func.sum(_clipped(ep, ws, we))).group_by(ep.c.m)
    op_rows = [(a.timestamp(), b.timestamp()) for a, b in ops]
    if op_rows:
        opv = values(column('a', Float), column('b', Float), name='ops').data(op_rows).cte('ops')
        query = query.union_all(  # type: ignore[assignment]
            select(literal(1), ep.c.m, func.sum(_clipped(ep, opv.c.a, opv.c.b)))
            .join(opv, (ep.c.s < opv.c.b) & (ep.c.e > opv.c.a)).group_by(ep.c.m))
    sums: tuple[dict[int, float], dict[int, float]] = ({}, {})
    for kind, m, seconds in session.execute(query):
        sums[kind][m] = seconds or 0.0
    return sums


def _fill_downtime(session: Session, result: dict[int, MachineStats], ids: list[int], start: datetime,
                   end: datetime, now: datetime, ops: list[calendar.Interval]) -> None:
    ws, we = start.timestamp(), end.timestamp()
    u_in, u_op = _sum_by_machine(session, _episodes(_segments(ids, start, end, now, False, timedelta(0))), ws, we, ops)
    a_in, a_op = _sum_by_machine(session, _episodes(_segments(ids, start, end, now, None, timedelta(0))), ws, we, ops)
    unplanned = _episodes(_segments(ids, start, end, now, planned=False))  # with the margin: episodes that start here
    started = session.execute(select(unplanned.c.m, func.count(), func.sum(unplanned.c.e - unplanned.c.s))
                              .where(unplanned.c.s >= ws, unplanned.c.s < we).group_by(unplanned.c.m))
    for m, count, total in started:
        result[m].episodes, result[m].episode_minutes = int(count), (total or 0.0) / 60
    for m, stats in result.items():
        stats.unplanned_downtime_minutes = u_in.get(m, 0.0) / 60
        stats.unplanned_operating_downtime_minutes = u_op.get(m, 0.0) / 60
        stats.planned_downtime_minutes = max(0.0, a_in.get(m, 0.0) - u_in.get(m, 0.0)) / 60
        stats.planned_operating_minutes = max(0.0, a_op.get(m, 0.0) - u_op.get(m, 0.0)) / 60


def _fill_counts(session: Session, result: dict[int, MachineStats], ids: list[int], start: datetime,
                 end: datetime) -> None:
    log = CTPProblemLog
    planned = case((log.is_planned == true(), 1), else_=0)
    ack = case((log.acknowledged_at.is_not(None), epoch(log.acknowledged_at) - epoch(log.created_at)))
    vendor = case(((log.vendor_arrived_at.is_not(None)) & (log.vendor_called_at.is_not(None)),
                   epoch(log.vendor_arrived_at) - epoch(log.vendor_called_at)))
    query = (select(log.machine_id, func.count(), func.sum(planned), func.avg(ack), func.avg(vendor),
                    func.sum(log.plates_lost))
             .outerjoin(Category, Category.id == log.category_id)
             .where(log.machine_id.in_(ids), log.deleted_at.is_(None), log.status != ProblemStatus.CANCELLED,
                    func.coalesce(Category.machine_fault, true()) == true(),
                    log.start_time >= start, log.start_time < end)
             .group_by(log.machine_id))
    for m, count, planned_count, mtta, response, plates in session.execute(query):
        stats = result[m]
        stats.problem_count, stats.planned_count = int(count), int(planned_count or 0)
        stats.failure_count = stats.problem_count - stats.planned_count
        stats.mtta_minutes = mtta / 60 if mtta is not None else None
        stats.vendor_response_minutes = response / 60 if response is not None else None
        stats.plates_lost = int(plates or 0)


def _fill_causes(session: Session, result: dict[int, MachineStats], ids: list[int], start: datetime,
                 end: datetime, now: datetime) -> None:
    """Pareto of unplanned downtime by subsystem (per problem, clipped), with problem counts."""
    parent = Category.__table__.alias('subsystem')
    name = func.coalesce(parent.c.name, Category.name, literal('Uncategorised'))
    up = func.coalesce(DowntimeSegment.up_at, now)
    seconds = greatest(literal(0.0), least(epoch(up), literal(end.timestamp()))
                       - greatest(epoch(DowntimeSegment.down_at), literal(start.timestamp())))
    log = CTPProblemLog
    minutes_q = (select(log.machine_id, name.label('n'), func.sum(seconds))
                 .join(DowntimeSegment, DowntimeSegment.log_id == log.id)
                 .outerjoin(Category, Category.id == log.category_id)
                 .outerjoin(parent, parent.c.id == Category.parent_id)
                 .where(log.machine_id.in_(ids), log.deleted_at.is_(None), log.status != ProblemStatus.CANCELLED,
                        DowntimeSegment.is_planned == false(), func.coalesce(Category.machine_fault, true()) == true(),
                        DowntimeSegment.down_at < end, up > start, _ends_after(start))
                 .group_by(log.machine_id, name))
    counts_q = (select(log.machine_id, name.label('n'), func.count())
                .outerjoin(Category, Category.id == log.category_id)
                .outerjoin(parent, parent.c.id == Category.parent_id)
                .where(log.machine_id.in_(ids), log.deleted_at.is_(None), log.status != ProblemStatus.CANCELLED,
                       log.is_planned == false(), func.coalesce(Category.machine_fault, true()) == true(),
                       log.start_time >= start, log.start_time < end)
                .group_by(log.machine_id, name))
    rows: dict[tuple[int, str], CauseRow] = {}
    for m, n, secs in session.execute(minutes_q):
        rows[(m, n)] = CauseRow(n, (secs or 0.0) / 60, 0)
    for m, n, count in session.execute(counts_q):
        rows.setdefault((m, n), CauseRow(n, 0.0, 0)).count = int(count)
    for (m, _), cause in rows.items():
        result[m].top_causes.append(cause)
    for stats in result.values():
        stats.top_causes.sort(key=lambda c: (-c.minutes, -c.count, c.subsystem))


def downtime_seconds_by_machine(session: Session, ids: list[int], start: datetime, end: datetime,
                                now: datetime) -> dict[int, float]:
    """All stop time (planned and unplanned, merged) inside [start, end) per machine: the board's 'today'."""
    if not ids:
        return {}
    every = _episodes(_segments(ids, start, end, now, planned=None, margin=timedelta(0)))
    inside, _ = _sum_by_machine(session, every, start.timestamp(), end.timestamp(), [])
    return inside


def board_causes(session: Session, *, actor: Actor, start: datetime, end: datetime,
                 limit: int = 3) -> list[CauseRow]:
    """The top causes (unplanned minutes by subsystem) over the machines a board may see: readable by displays."""
    require(actor, Action.READ)
    ids = list(session.exec(select(CTPMachine.id).where(machine_scope(session, actor, CTPMachine.id),
                                                        CTPMachine.retired_at.is_(None))).scalars())
    causes = plant_totals(compute(session, ids, start, end, utcnow())).top_causes
    return [c for c in causes if c.minutes > 0][:limit]


def downtime_trend(session: Session, *, actor: Actor, buckets: list[tuple[datetime, datetime]],
                   machine_ids: list[int] | None = None, now: datetime | None = None,
                   planned: bool | None = False) -> list[float]:
    """Unplanned (planned=None: all, merged) downtime minutes per bucket, e.g. per week, in scope, in one query."""
    require(actor, Action.READ_STATS)
    if not buckets:
        return []
    query = select(CTPMachine.id).where(machine_scope(session, actor, CTPMachine.id))
    if machine_ids is not None:
        query = query.where(CTPMachine.id.in_(machine_ids))
    ids = list(session.exec(query).scalars())
    totals = [0.0] * len(buckets)
    if not ids:
        return totals
    episodes = _episodes(_segments(ids, buckets[0][0], buckets[-1][1], now or utcnow(), planned, timedelta(0)))
    rows = [(i, a.timestamp(), b.timestamp()) for i, (a, b) in enumerate(buckets)]
    bv = values(column('i', Integer), column('a', Float), column('b', Float), name='buckets').data(rows).cte('buckets')
    query_sum = (select(bv.c.i, func.sum(_clipped(episodes, bv.c.a, bv.c.b)))
                 .join(bv, (episodes.c.s < bv.c.b) & (episodes.c.e > bv.c.a)).group_by(bv.c.i))
    for index, seconds in session.execute(query_sum):
        totals[index] = (seconds or 0.0) / 60
    return totals
