"""KPIs in SQL (DOMAIN.md §5): merged downtime episodes, clipping, operating hours, MTTR, MTBF, MTTA.

Times are turned into epoch seconds inside the query; overlapping segments of a machine are merged with
window functions (gaps and islands), so a year of history is a handful of aggregate queries.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import (
    Float,
    Integer,
    Select,
    case,
    false,
    func,
    literal,
    or_,
    select,
    true,
    type_coerce,
)
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from app.models import (
    AuditAction,
    Category,
    CTPMachine,
    CTPProblemLog,
    DowntimeSegment,
    ProblemAudit,
    ProblemStatus,
    utcnow,
)
from app.services import calendar, failures, rollup, rollup_read
from app.services.access import Action, Actor, machine_scope, require
from app.sqlfuncs import epoch, greatest, least

CHAIN_MARGIN = rollup.CHAIN_MARGIN  # segments this far outside the window may still chain into an episode


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
    ack_count: int = 0  # n of MTTA: the acknowledgements
    vendor_response_minutes: float | None = None
    vendor_count: int = 0  # n of the vendor response: the visits
    plates_lost: int = 0
    reopened_failures: int = 0  # failures reopened at least once
    reopen_count: int = 0
    not_machine_fault_count: int = 0  # workflow/RIP and the like: reported on their own, never dropped
    not_machine_fault_minutes: float = 0.0
    top_causes: list[CauseRow] = field(default_factory=list)

    @property
    def counted(self) -> bool:
        """Some of the window lies in the machine's life and before now (DOMAIN.md §5.15-16); else no KPIs."""
        return self.window_minutes > 0

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
    def first_time_fix_rate(self) -> float | None:
        """Failures never reopened ÷ failures (DOMAIN.md §5.12)."""
        n = self.failure_count
        return (n - self.reopened_failures) / n if n else None

    @property
    def mttr_minutes(self) -> float | None:
        return self.episode_minutes / self.episodes if self.episodes else None

    @property
    def mtbf_minutes(self) -> float | None:
        p = self.planned_operating_time
        return (p - self.unplanned_operating_downtime_minutes) / self.episodes if self.episodes and p > 0 else None


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
                 'planned_operating_minutes', 'episode_minutes', 'plates_lost', 'reopened_failures', 'reopen_count',
                 'not_machine_fault_count', 'not_machine_fault_minutes'):
        setattr(total, name, sum(getattr(r, name) for r in rows))
    total.ack_count, total.vendor_count = sum(r.ack_count for r in rows), sum(r.vendor_count for r in rows)
    total.mtta_minutes = _weighted([(r.mtta_minutes, r.ack_count) for r in rows])  # the mean over the plant's
    total.vendor_response_minutes = _weighted([(r.vendor_response_minutes, r.vendor_count) for r in rows])  # events
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


def lives(session: Session, ids: list[int], start: datetime, end: datetime) -> dict[int, tuple[datetime, datetime]]:
    """[start, end) cut per machine to its life: from created_at (or its first problem, if earlier) to retired_at."""
    if not ids:
        return {}
    first = (select(CTPProblemLog.machine_id.label('m'), func.min(CTPProblemLog.start_time).label('t'))
             .where(CTPProblemLog.machine_id.in_(ids)).group_by(CTPProblemLog.machine_id).subquery())
    rows = session.execute(select(CTPMachine.id, CTPMachine.created_at, CTPMachine.retired_at, first.c.t)
                           .outerjoin(first, first.c.m == CTPMachine.id).where(CTPMachine.id.in_(ids)))
    result = {}
    for mid, created, retired, first_problem in rows:
        born = min(created, first_problem) if first_problem is not None else created
        result[mid] = (max(start, born), min(end, retired) if retired is not None else end)
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
        _add_live(session, totals, mids, a, b, now)
    for mid, stats in result.items():
        _finish(stats, totals[mid], op_minutes)
    _add_reopens(session, result, start, end)
    _add_not_machine_faults(session, result, start, end, now)
    return result


def _add_reopens(session: Session, result: dict[int, MachineStats], start: datetime, end: datetime) -> None:
    """Per machine the failures starting in the window that were reopened, and their reopens (from the audit)."""
    log = CTPProblemLog
    reopens = (select(ProblemAudit.log_id.label('k'), func.count().label('n'))
               .where(ProblemAudit.action == AuditAction.REOPEN).group_by(ProblemAudit.log_id).subquery())
    query = (select(log.machine_id, func.count(), func.sum(reopens.c.n))
             .join(reopens, reopens.c.k == log.id)
             .outerjoin(Category, Category.id == log.category_id)
             .where(log.machine_id.in_(list(result)), log.deleted_at.is_(None), log.status != ProblemStatus.CANCELLED,
                    log.is_planned == false(), func.coalesce(Category.machine_fault, true()) == true(),
                    log.start_time >= start, log.start_time < end)
             .group_by(log.machine_id))
    for m, failures_, count in session.execute(query):
        result[m].reopened_failures, result[m].reopen_count = int(failures_), int(count or 0)


def _add_not_machine_faults(session: Session, result: dict[int, MachineStats], start: datetime, end: datetime,
                            now: datetime) -> None:
    """Problems outside machine faults starting in the window, and their stop minutes (merged) inside it."""
    ids, log = list(result), CTPProblemLog
    query = (select(log.machine_id, func.count()).join(Category, Category.id == log.category_id)
             .where(log.machine_id.in_(ids), log.deleted_at.is_(None), log.status != ProblemStatus.CANCELLED,
                    Category.machine_fault == false(), log.start_time >= start, log.start_time < end)
             .group_by(log.machine_id))
    for m, count in session.execute(query):
        result[m].not_machine_fault_count = int(count)
    stops = _episodes(_segments(ids, start, end, now, None, timedelta(0), machine_fault=False))
    inside, _ = _sum_by_machine(session, stops, rollup.ts(start), rollup.ts(end), [])
    for m, seconds in inside.items():
        result[m].not_machine_fault_minutes = seconds / 60


def _finish(stats: MachineStats, total: rollup_read.Totals, op_minutes: float) -> None:
    stats.operating_minutes = op_minutes
    stats.unplanned_downtime_minutes = total.unplanned_s / 60
    stats.unplanned_operating_downtime_minutes = total.unplanned_op_s / 60
    stats.planned_downtime_minutes = max(0.0, total.stopped_s - total.unplanned_s) / 60
    stats.planned_operating_minutes = max(0.0, total.stopped_op_s - total.unplanned_op_s) / 60
    stats.episodes, stats.episode_minutes = int(total.episodes), total.episode_s / 60
    stats.problem_count, stats.planned_count = int(total.problems), int(total.planned)
    stats.failure_count = stats.problem_count - stats.planned_count
    stats.mtta_minutes = total.ack_s / total.ack_n / 60 if total.ack_n else None
    stats.vendor_response_minutes = total.vendor_s / total.vendor_n / 60 if total.vendor_n else None
    stats.ack_count, stats.vendor_count = int(total.ack_n), int(total.vendor_n)
    stats.plates_lost = int(total.plates_lost)
    stats.top_causes = sorted((CauseRow(name, secs / 60, int(n)) for name, (secs, n) in total.causes.items()),
                              key=lambda c: (-c.minutes, -c.count, c.subsystem))


def _add_live(session: Session, totals: dict[int, rollup_read.Totals], ids: list[int], start: datetime, end: datetime,
              now: datetime) -> None:
    """Add the live figures of [start, end) for these machines, computed from segments and problems."""
    ops = calendar.operating_intervals(session, start, end)
    _add_downtime(session, totals, ids, start, end, now, ops)
    _add_counts(session, totals, ids, start, end)
    _add_causes(session, totals, ids, start, end, now)


def _ms(value: ColumnElement[float]) -> ColumnElement[float]:
    """Epoch seconds rounded to the millisecond: SQLite's julianday is off by ~10 µs, which put a stop that starts
    at midnight on the wrong day; the roll-up rounds the same way (rollup.ts)."""
    return type_coerce(func.round(value * 1000) / 1000, Float)


def _segments(ids: list[int], start: datetime, end: datetime, now: datetime, planned: bool | None,
              margin: timedelta = CHAIN_MARGIN, machine_fault: bool = True) -> Select[tuple[int, float, float]]:
    """Stop segments near the window as (m, s, e) epoch seconds; running ones end now (machine faults by default).

    `margin` lets segments that start after the window chain into the episodes that start inside it (their whole
    length is MTTR's). Nothing before the window is needed: an episode that started earlier covers the window's
    start, so the segments that reach the start (ended at it or later, `up >= start`) already chain it from before;
    and a sum clipped to the window needs only the segments inside it."""
    up = func.coalesce(DowntimeSegment.up_at, now)
    query = (select(DowntimeSegment.machine_id.label('m'), _ms(epoch(DowntimeSegment.down_at)).label('s'),
                    _ms(epoch(up)).label('e'))
             .join(CTPProblemLog, CTPProblemLog.id == DowntimeSegment.log_id)
             .outerjoin(Category, Category.id == CTPProblemLog.category_id)
             .where(DowntimeSegment.machine_id.in_(ids), *failures.counted(machine_fault),
                    DowntimeSegment.down_at < end + margin, up >= start, _ends_after(start, inclusive=True)))
    if planned is not None:
        query = query.where(DowntimeSegment.is_planned == (true() if planned else false()))
    return query  # type: ignore[return-value]


def _ends_after(moment: datetime, *, inclusive: bool = False) -> ColumnElement[bool]:
    """Still running or ended after `moment`: the same rows as coalesce(up_at, now) > moment (now is later), but
    in a form the (machine_id, up_at) index can answer, so a window does not scan the whole history."""
    return or_(DowntimeSegment.up_at.is_(None),
               DowntimeSegment.up_at >= moment if inclusive else DowntimeSegment.up_at > moment)


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
    op_rows = [(rollup.ts(a), rollup.ts(b)) for a, b in ops]
    if op_rows:
        opv = rollup_read.rows_cte('ops', {'a': Float, 'b': Float}, op_rows)  # type: ignore[arg-type]
        query = query.union_all(  # type: ignore[assignment]
            select(literal(1), ep.c.m, func.sum(_clipped(ep, opv.c.a, opv.c.b)))
            .join(opv, (ep.c.s < opv.c.b) & (ep.c.e > opv.c.a)).group_by(ep.c.m))
    sums: tuple[dict[int, float], dict[int, float]] = ({}, {})
    for kind, m, seconds in session.execute(query):
        sums[kind][m] = float(seconds or 0.0)
    return sums


def _add_downtime(session: Session, totals: dict[int, rollup_read.Totals], ids: list[int], start: datetime,
                  end: datetime, now: datetime, ops: list[calendar.Interval]) -> None:
    ws, we = rollup.ts(start), rollup.ts(end)
    u_in, u_op = _sum_by_machine(session, _episodes(_segments(ids, start, end, now, False, timedelta(0))), ws, we, ops)
    a_in, a_op = _sum_by_machine(session, _episodes(_segments(ids, start, end, now, None, timedelta(0))), ws, we, ops)
    for m, segments in failures.fetch(session, ids, start, end, now).items():  # whole failures, reopens joined
        for failure in failures.link(segments):
            if ws <= failure.start < we:
                totals[m].episodes += 1
                totals[m].episode_s += failure.seconds
    for m in ids:
        total = totals[m]
        total.unplanned_s += u_in.get(m, 0.0)
        total.unplanned_op_s += u_op.get(m, 0.0)
        total.stopped_s += a_in.get(m, 0.0)
        total.stopped_op_s += a_op.get(m, 0.0)


def _add_counts(session: Session, totals: dict[int, rollup_read.Totals], ids: list[int], start: datetime,
                end: datetime) -> None:
    log = CTPProblemLog
    planned = case((log.is_planned == true(), 1), else_=0)
    ack = case((log.acknowledged_at.is_not(None), epoch(log.acknowledged_at) - epoch(log.created_at)))
    vendor = case(((log.vendor_arrived_at.is_not(None)) & (log.vendor_called_at.is_not(None)),
                   epoch(log.vendor_arrived_at) - epoch(log.vendor_called_at)))
    query = (select(log.machine_id, func.count(), func.sum(planned), func.count(ack), func.sum(ack),
                    func.count(vendor), func.sum(vendor), func.sum(log.plates_lost))
             .outerjoin(Category, Category.id == log.category_id)
             .where(log.machine_id.in_(ids), log.deleted_at.is_(None), log.status != ProblemStatus.CANCELLED,
                    func.coalesce(Category.machine_fault, true()) == true(),
                    log.start_time >= start, log.start_time < end)
             .group_by(log.machine_id))
    for m, count, planned_count, ack_n, ack_s, vendor_n, vendor_s, plates in session.execute(query):
        total = totals[m]
        total.problems += int(count)
        total.planned += int(planned_count or 0)
        total.ack_n += int(ack_n or 0)
        total.ack_s += float(ack_s or 0.0)
        total.vendor_n += int(vendor_n or 0)
        total.vendor_s += float(vendor_s or 0.0)
        total.plates_lost += int(plates or 0)


def _add_causes(session: Session, totals: dict[int, rollup_read.Totals], ids: list[int], start: datetime,
                end: datetime, now: datetime) -> None:
    """Pareto of unplanned downtime by subsystem, with problem counts. Each minute goes once, to the segment that
    went down first (DOMAIN.md §5.17): a segment adds only what lies after every earlier one's end."""
    parent = Category.__table__.alias('subsystem')
    name = func.coalesce(parent.c.name, Category.name, literal('Uncategorised'))
    up = func.coalesce(DowntimeSegment.up_at, now)
    log = CTPProblemLog
    seg = (select(DowntimeSegment.machine_id.label('m'), name.label('n'), log.id.label('k'),
                  _ms(epoch(DowntimeSegment.down_at)).label('s'), _ms(epoch(up)).label('e'))
           .select_from(DowntimeSegment)
           .join(log, DowntimeSegment.log_id == log.id)
           .outerjoin(Category, Category.id == log.category_id)
           .outerjoin(parent, parent.c.id == Category.parent_id)
           .where(DowntimeSegment.machine_id.in_(ids), *failures.counted(), DowntimeSegment.is_planned == false(),
                  DowntimeSegment.down_at < end, up > start, _ends_after(start))).cte('cause_segments')
    before = func.max(seg.c.e).over(partition_by=seg.c.m, order_by=(seg.c.s, seg.c.e, seg.c.k), rows=(None, -1))
    covered = select(seg.c.m, seg.c.n, seg.c.s, seg.c.e, before.label('p')).cte('covered')
    seconds = greatest(literal(0.0), least(covered.c.e, literal(rollup.ts(end)))
                       - greatest(covered.c.s, func.coalesce(covered.c.p, covered.c.s), literal(rollup.ts(start))))
    minutes_q = select(covered.c.m, covered.c.n, func.sum(seconds)).group_by(covered.c.m, covered.c.n)
    counts_q = (select(log.machine_id, name.label('n'), func.count())
                .outerjoin(Category, Category.id == log.category_id)
                .outerjoin(parent, parent.c.id == Category.parent_id)
                .where(log.machine_id.in_(ids), log.deleted_at.is_(None), log.status != ProblemStatus.CANCELLED,
                       log.is_planned == false(), func.coalesce(Category.machine_fault, true()) == true(),
                       log.start_time >= start, log.start_time < end)
                .group_by(log.machine_id, name))
    for m, n, secs in session.execute(minutes_q):
        if secs:  # a stop wholly covered by an earlier one adds no minutes (and no row, as in the roll-up)
            totals[m].add_cause(n, float(secs), 0)
    for m, n, count in session.execute(counts_q):
        totals[m].add_cause(n, 0.0, int(count))


def downtime_seconds_by_machine(session: Session, ids: list[int], start: datetime, end: datetime,
                                now: datetime) -> dict[int, float]:
    """All stop time (planned and unplanned, merged) inside [start, end) per machine: the board's 'today'."""
    if not ids:
        return {}
    every = _episodes(_segments(ids, start, end, now, planned=None, margin=timedelta(0)))
    inside, _ = _sum_by_machine(session, every, rollup.ts(start), rollup.ts(end), [])
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
                   planned: bool | None = False, use_rollup: bool = True) -> list[float | None]:
    """Unplanned (planned=None: all, merged) downtime minutes per bucket, e.g. per week, in scope: whole closed
    days from the roll-up, the rest live (planned=True, planned only, is always live). Each machine counts only
    within its life and before now (DOMAIN.md §5.15-16); a bucket with none of that is None ("—"), not 0."""
    require(actor, Action.READ_STATS)
    query = select(CTPMachine.id).where(machine_scope(session, actor, CTPMachine.id))
    if machine_ids is not None:
        query = query.where(CTPMachine.id.in_(machine_ids))
    ids = list(session.exec(query).scalars()) if buckets else []
    totals: list[float | None] = [None] * len(buckets)
    if not ids:
        return totals
    now = now or utcnow()
    cuts = rollup_read.cut_days(session, ids, now) if use_rollup and planned is not True else None
    plan = rollup_read.Plan()
    whole: dict[tuple[int, ...], list[tuple[date, date, int]]] = {}
    for i, alive in enumerate(_bucket_lives(session, ids, buckets, now)):
        for (a, b), mids in alive.items():
            totals[i] = 0.0
            rollup_read.split(mids, a, b, cuts, plan, key=i)
            first, stop = rollup_read.whole_days(a, b)
            if cuts is not None and first < stop:
                whole.setdefault(tuple(mids), []).append((first, stop, i))
    for mids, days in whole.items():
        for i, seconds in rollup_read.rolled_trend(session, list(mids), days, planned, cuts or {}).items():
            totals[i] = (totals[i] or 0.0) + seconds / 60
    by_machines: dict[tuple[int, ...], list[rollup_read.Piece]] = {}
    for (a, b, i), mids in plan.live.items():
        by_machines.setdefault(tuple(mids), []).append((a, b, i))
    for mids, pieces in by_machines.items():
        for i, seconds in _live_trend(session, list(mids), pieces, now, planned).items():
            totals[i] = (totals[i] or 0.0) + seconds / 60
    return totals


def _bucket_lives(session: Session, ids: list[int], buckets: list[tuple[datetime, datetime]],
                  now: datetime) -> list[dict[tuple[datetime, datetime], list[int]]]:
    """Per bucket, its part inside each machine's life and before now, with the machines sharing that part."""
    life = lives(session, ids, min(a for a, _ in buckets), min(max(b for _, b in buckets), now))
    result: list[dict[tuple[datetime, datetime], list[int]]] = []
    for a, b in buckets:
        alive: dict[tuple[datetime, datetime], list[int]] = {}
        for mid, (born, gone) in life.items():
            first, stop = max(a, born), min(b, gone, now)
            if first < stop:
                alive.setdefault((first, stop), []).append(mid)
        result.append(alive)
    return result


def _live_trend(session: Session, ids: list[int], pieces: list[rollup_read.Piece], now: datetime,
                planned: bool | None) -> dict[int, float]:
    """Merged stop seconds per bucket index inside the pieces, from segments, in one statement."""
    episodes = _episodes(_segments(ids, min(p[0] for p in pieces), max(p[1] for p in pieces), now, planned,
                                   timedelta(0)))
    rows = [(i, rollup.ts(a), rollup.ts(b)) for a, b, i in pieces]
    bv = rollup_read.rows_cte('buckets', {'i': Integer, 'a': Float, 'b': Float}, rows)  # type: ignore[arg-type]
    query_sum = (select(bv.c.i, func.sum(_clipped(episodes, bv.c.a, bv.c.b)))
                 .join(bv, (episodes.c.s < bv.c.b) & (episodes.c.e > bv.c.a)).group_by(bv.c.i))
    return {index: float(seconds or 0.0) for index, seconds in session.execute(query_sum)}


def headline_is_24_7(total: MachineStats, status: str) -> bool:
    """Whether a machine page headlines the 24/7 availability instead of the shift one: when the machine is down now
    and some of its unplanned downtime lies outside the shifts, the shift figure has not moved while the card is red
    (a machine down for 2 h at night must not headline "100.0 %")."""
    return status == 'down' and total.unplanned_downtime_minutes > total.unplanned_operating_downtime_minutes
