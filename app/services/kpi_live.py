"""The live KPI figures of a window, from segments and problems: what the daily roll-up does not hold (today, open
days, partial days) and the figures it never holds (reopens, the not-machine-faults column)."""
from datetime import datetime, timedelta

from sqlalchemy import case, false, func, literal, select, true
from sqlmodel import Session, col

from app.db import loose_rows, select_rows
from app.models import AuditAction, Category, CTPProblemLog, DowntimeSegment, ProblemAudit, ProblemStatus
from app.services import calendar, failures, kpi_sql, rollup_read
from app.services.kpi_figures import CauseRow, MachineStats
from app.sqlfuncs import epoch, greatest, least


def add_live(session: Session, totals: dict[int, rollup_read.Totals], ids: list[int], start: datetime, end: datetime,
             now: datetime) -> None:
    """Add the live figures of [start, end) for these machines, computed from segments and problems."""
    ops = calendar.operating_intervals(session, start, end)
    _add_downtime(session, totals, ids, start, end, now, ops)
    _add_counts(session, totals, ids, start, end)
    _add_causes(session, totals, ids, start, end, now)


def _add_downtime(session: Session, totals: dict[int, rollup_read.Totals], ids: list[int], start: datetime,
                  end: datetime, now: datetime, ops: list[calendar.Interval]) -> None:
    ws, we = failures.ts(start), failures.ts(end)
    unplanned = kpi_sql.episodes(kpi_sql.segments(ids, start, end, now, False, timedelta(0)))
    every = kpi_sql.episodes(kpi_sql.segments(ids, start, end, now, None, timedelta(0)))
    u_in, u_op = kpi_sql.sum_by_machine(session, unplanned, ws, we, ops)
    a_in, a_op = kpi_sql.sum_by_machine(session, every, ws, we, ops)
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
    planned = case((col(log.is_planned) == true(), 1), else_=0)
    ack = case((col(log.acknowledged_at).is_not(None), epoch(col(log.acknowledged_at)) - epoch(col(log.created_at))))
    vendor = case(((col(log.vendor_arrived_at).is_not(None)) & (col(log.vendor_called_at).is_not(None)),
                   epoch(log.vendor_arrived_at) - epoch(log.vendor_called_at)))
    query = (select(col(log.machine_id), func.count(), func.sum(planned), func.count(ack), func.sum(ack),
                    func.count(vendor), func.sum(vendor), func.sum(log.plates_lost))
             .outerjoin(Category, col(Category.id) == col(log.category_id))
             .where(col(log.machine_id).in_(ids), col(log.deleted_at).is_(None),
                    col(log.status) != ProblemStatus.CANCELLED,
                    func.coalesce(Category.machine_fault, true()) == true(),
                    col(log.start_time) >= start, col(log.start_time) < end)
             .group_by(col(log.machine_id)))
    for m, count, planned_count, ack_n, ack_s, vendor_n, vendor_s, plates in select_rows(session, query):
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
    # SQLModel gives table models their __table__ when the class is built; its types do not declare it
    parent = Category.__table__.alias('subsystem')  # type: ignore[attr-defined]
    name = func.coalesce(parent.c.name, col(Category.name), literal('Uncategorised'))
    up = func.coalesce(DowntimeSegment.up_at, now)
    log = CTPProblemLog
    seg = (select(col(DowntimeSegment.machine_id).label('m'), name.label('n'), col(log.id).label('k'),
                  kpi_sql.ms(epoch(DowntimeSegment.down_at)).label('s'), kpi_sql.ms(epoch(up)).label('e'))
           .select_from(DowntimeSegment)
           .join(log, col(DowntimeSegment.log_id) == col(log.id))
           .outerjoin(Category, col(Category.id) == col(log.category_id))
           .outerjoin(parent, parent.c.id == Category.parent_id)
           .where(col(DowntimeSegment.machine_id).in_(ids), *failures.counted(),
                  col(DowntimeSegment.is_planned) == false(),
                  col(DowntimeSegment.down_at) < end, up > start, kpi_sql.ends_after(start))).cte('cause_segments')
    before = func.max(seg.c.e).over(partition_by=seg.c.m, order_by=(seg.c.s, seg.c.e, seg.c.k), rows=(None, -1))
    covered = select(seg.c.m, seg.c.n, seg.c.s, seg.c.e, before.label('p')).cte('covered')
    seconds = greatest(literal(0.0), least(covered.c.e, literal(failures.ts(end)))
                       - greatest(covered.c.s, func.coalesce(covered.c.p, covered.c.s), literal(failures.ts(start))))
    minutes_q = select(covered.c.m, covered.c.n, func.sum(seconds)).group_by(covered.c.m, covered.c.n)
    counts_q = (select(col(log.machine_id), name.label('n'), func.count())
                .outerjoin(Category, col(Category.id) == col(log.category_id))
                .outerjoin(parent, parent.c.id == Category.parent_id)
                .where(col(log.machine_id).in_(ids), col(log.deleted_at).is_(None),
                       col(log.status) != ProblemStatus.CANCELLED,
                       col(log.is_planned) == false(), func.coalesce(col(Category.machine_fault), true()) == true(),
                       col(log.start_time) >= start, col(log.start_time) < end)
                .group_by(col(log.machine_id), name))
    for m, n, secs in loose_rows(session, minutes_q):
        if secs:  # a stop wholly covered by an earlier one adds no minutes (and no row, as in the roll-up)
            totals[m].add_cause(n, float(secs), 0)
    for m, n, count in loose_rows(session, counts_q):
        totals[m].add_cause(n, 0.0, int(count))


def add_reopens(session: Session, result: dict[int, MachineStats], start: datetime, end: datetime) -> None:
    """Per machine the failures starting in the window that were reopened, and their reopens (from the audit)."""
    log = CTPProblemLog
    reopens = (select(col(ProblemAudit.log_id).label('k'), func.count().label('n'))
               .where(col(ProblemAudit.action) == AuditAction.REOPEN).group_by(col(ProblemAudit.log_id)).subquery())
    query = (select(col(log.machine_id), func.count(), func.sum(reopens.c.n))
             .join(reopens, reopens.c.k == log.id)
             .outerjoin(Category, col(Category.id) == col(log.category_id))
             .where(col(log.machine_id).in_(list(result)), col(log.deleted_at).is_(None),
                    col(log.status) != ProblemStatus.CANCELLED,
                    col(log.is_planned) == false(), func.coalesce(col(Category.machine_fault), true()) == true(),
                    col(log.start_time) >= start, col(log.start_time) < end)
             .group_by(col(log.machine_id)))
    for m, failures_, count in select_rows(session, query):
        result[m].reopened_failures, result[m].reopen_count = int(failures_), int(count or 0)


def add_not_machine_faults(session: Session, result: dict[int, MachineStats], start: datetime, end: datetime,
                           now: datetime) -> None:
    """Problems outside machine faults starting in the window, and their stop minutes (merged) inside it."""
    ids, log = list(result), CTPProblemLog
    query = (select(col(log.machine_id), func.count()).join(Category, col(Category.id) == log.category_id)
             .where(col(log.machine_id).in_(ids), col(log.deleted_at).is_(None),
                    col(log.status) != ProblemStatus.CANCELLED,
                    col(Category.machine_fault) == false(), col(log.start_time) >= start, col(log.start_time) < end)
             .group_by(col(log.machine_id)))
    for m, count in select_rows(session, query):
        result[m].not_machine_fault_count = int(count)
    stops = kpi_sql.episodes(kpi_sql.segments(ids, start, end, now, None, timedelta(0), machine_fault=False))
    inside, _ = kpi_sql.sum_by_machine(session, stops, failures.ts(start), failures.ts(end), [])
    for m, seconds in inside.items():
        result[m].not_machine_fault_minutes = seconds / 60


def finish(stats: MachineStats, total: rollup_read.Totals, op_minutes: float) -> None:
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

