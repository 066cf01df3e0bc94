"""The daily roll-up of the KPIs (issue 9): per machine and plant-local day, what app/services/stats.py needs.

Written by the services in the transaction that changes segments, problems or the operating calendar
(`refresh_problem`, `rebuild`); read by stats for the whole, closed days of a window (`cut_days`, `split`,
`add_rolled`). A day is left to the live computation from segments when it is today or later, when a stop touching it
was still running when it was written (`is_open`), or when it lies after the start of a machine's running stop.

What a day holds (DOMAIN.md §5): the merged unplanned and all-stop seconds inside the day and inside its operating
hours, the unplanned episodes that start that day with their whole length, the problems that start that day (counts,
acknowledgement and vendor sums, plates lost), and per subsystem (by id: a renamed one keeps its rows) the unplanned
stop seconds and problem counts.
Sums over days equal the live figures because every one of them is additive over disjoint pieces of a window: unions
clipped to a piece, episodes by the piece they start in, problems by the piece their start lies in.

Changing the plant's zone (`CTP_TIMEZONE`) moves the day boundaries: run `rebuild` (python -m app.services.rollup).
"""
import logging
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    Float,
    Integer,
    Select,
    column,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    union_all,
    values,
)
from sqlalchemy.sql.selectable import CTE
from sqlmodel import Session

from app.config import get_settings
from app.models import (
    Category,
    CTPMachine,
    CTPProblemLog,
    DailyCauseRollup,
    DailyRollup,
    DowntimeSegment,
    ProblemStatus,
    utcnow,
)
from app.services import calendar, failures
from app.services.failures import CHAIN_MARGIN, ts

logger = logging.getLogger(__name__)

Span = tuple[datetime, datetime]
Piece = tuple[datetime, datetime, int]  # a live interval and the index of what it belongs to (a trend bucket, or 0)
SUMMED = ('unplanned_s', 'unplanned_op_s', 'stopped_s', 'stopped_op_s', 'episodes', 'episode_s', 'problems',
          'planned', 'ack_n', 'ack_s', 'vendor_n', 'vendor_s', 'plates_lost')  # the day's figures, all additive
INTEGERS = ('episodes', 'problems', 'planned', 'ack_n', 'vendor_n', 'plates_lost')


# ----------------------------------------------------------------------------------------------------------- writing
def span_of(session: Session, log: CTPProblemLog, now: datetime | None = None) -> Span:
    """The instants a problem's figures reach: its start and end and its segments (a running one up to now)."""
    now = now or utcnow()
    moments = [log.start_time, log.end_time or log.start_time]
    for down, up in session.execute(select(DowntimeSegment.down_at, DowntimeSegment.up_at)
                                    .where(DowntimeSegment.log_id == log.id)):
        moments += [down, up or now]
    return min(moments), max(moments)


def refresh_problem(session: Session, log: CTPProblemLog, before: Span | None = None) -> None:
    """Rewrite the days of the problem's machine that its change (from `before` to now) may have touched."""
    session.flush()
    now = utcnow()
    lo, hi = span_of(session, log, now)
    if before is not None:
        lo, hi = min(lo, before[0]), max(hi, before[1])
    refresh(session, log.machine_id, lo, hi, now)


def refresh(session: Session, machine_id: int, lo: datetime, hi: datetime, now: datetime | None = None) -> None:
    """Rewrite the days of [lo, hi] widened to the stop episodes that touch it (their starts carry their length)."""
    now = now or utcnow()
    _lock(session, machine_id)
    for first, last in _episodes(_segments(session, machine_id, lo - CHAIN_MARGIN, hi + CHAIN_MARGIN, now)):
        if first.s <= ts(hi) and last >= ts(lo):
            lo = min(lo, datetime.fromtimestamp(first.s, lo.tzinfo))
            hi = max(hi, datetime.fromtimestamp(last, hi.tzinfo))
    reached = failures.fetch(session, [machine_id], lo, hi, now)[machine_id]  # a reopen's failure went down earlier
    if reached:
        lo = min(lo, datetime.fromtimestamp(failures.link(reached)[0].start, lo.tzinfo))
    zone = get_settings().zone
    _write_days(session, machine_id, lo.astimezone(zone).date(), hi.astimezone(zone).date(), now)


def rebuild(session: Session, machine_ids: Iterable[int] | None = None) -> int:
    """Recompute the roll-up of the machines (all by default) from their problems and segments: the backfill."""
    now = utcnow()
    zone = get_settings().zone
    ids = list(machine_ids) if machine_ids is not None else list(session.exec(select(CTPMachine.id)).scalars())
    _lock(session, *ids)  # before reading: what a concurrent change commits is then in what we read
    extents = {machine_id: _extent(session, machine_id, now) for machine_id in ids}
    known = [(lo, hi) for lo, hi in extents.values() if lo is not None and hi is not None]
    ops: list[tuple[float, float]] | None = None
    if known:
        first = min(lo for lo, _ in known).astimezone(zone).date()
        last = max(hi for _, hi in known).astimezone(zone).date()
        ops = [(ts(a), ts(b)) for a, b in calendar.operating_intervals(
            session, _midnight(first, zone), _midnight(last + timedelta(days=1), zone))]
    written = 0
    for machine_id, (lo, hi) in extents.items():
        session.execute(delete(DailyRollup).where(DailyRollup.machine_id == machine_id))
        session.execute(delete(DailyCauseRollup).where(DailyCauseRollup.machine_id == machine_id))
        if lo is not None and hi is not None:
            written += _write_days(session, machine_id, lo.astimezone(zone).date(), hi.astimezone(zone).date(), now,
                                   ops)
    session.flush()
    return written


def _lock(session: Session, *machine_ids: int) -> None:
    """One writer per machine's roll-up at a time: on PostgreSQL two transactions rewriting the same days would
    both insert the same (machine, day) rows; the second now waits and then reads the first one's segments.
    FOR NO KEY UPDATE: the problem row inserted before holds KEY SHARE on the machine (its foreign key), which FOR
    UPDATE would wait for: two reports on one machine deadlocked. SQLite takes its write lock up front."""
    if machine_ids:
        session.execute(select(CTPMachine.id).where(CTPMachine.id.in_(machine_ids)).with_for_update(key_share=True))


def _extent(session: Session, machine_id: int, now: datetime) -> tuple[datetime | None, datetime | None]:
    log = CTPProblemLog
    first_log, last_log = session.execute(select(func.min(log.start_time), func.max(log.start_time))
                                          .where(log.machine_id == machine_id)).one()
    seg = DowntimeSegment
    first_seg, last_up, running = session.execute(
        select(func.min(seg.down_at), func.max(seg.up_at), func.count(seg.id).filter(seg.up_at.is_(None)))
        .where(seg.machine_id == machine_id)).one()
    if first_log is None and first_seg is None:
        return None, None
    lows = [x for x in (first_log, first_seg) if x is not None]
    highs = [x for x in (last_log, last_up, now if running else None) if x is not None]
    return min(lows), max(highs)


@dataclass
class _Seg:
    s: float
    e: float
    planned: bool
    subsystem_id: int | None
    running: bool
    log_id: int = 0


def _live_logs():  # type: ignore[no-untyped-def]
    """Problems that count: not deleted, not cancelled, machine faults (workflow categories stay out)."""
    return (CTPProblemLog.deleted_at.is_(None), CTPProblemLog.status != ProblemStatus.CANCELLED,
            func.coalesce(Category.machine_fault, true()) == true())


def _subsystem_id():  # type: ignore[no-untyped-def]
    """The problem's subsystem (a symptom's parent, or the category itself): what the Pareto groups by."""
    return func.coalesce(Category.parent_id, Category.id)


def _segments(session: Session, machine_id: int, lo: datetime, hi: datetime, now: datetime) -> list[_Seg]:
    seg = DowntimeSegment
    query = (select(seg.down_at, seg.up_at, seg.is_planned, _subsystem_id(), seg.log_id)
             .join(CTPProblemLog, CTPProblemLog.id == seg.log_id)
             .outerjoin(Category, Category.id == CTPProblemLog.category_id)
             .where(seg.machine_id == machine_id, *failures.counted(), seg.down_at < hi,
                    or_(seg.up_at.is_(None), seg.up_at > lo)))
    rows = [_Seg(ts(down), ts(up or now), bool(planned), category, up is None, log_id)
            for down, up, planned, category, log_id in session.execute(query)]
    return sorted(rows, key=lambda r: (r.s, r.e, r.log_id))


def _episodes(segments: list[_Seg]) -> list[tuple[_Seg, float]]:
    """Gaps and islands as stats does it: a segment starting after every earlier end opens an episode.
    Each episode is (its first segment, its end); a running segment makes the first one's `running` true."""
    result: list[tuple[_Seg, float]] = []
    for segment in segments:
        if result and segment.s <= result[-1][1]:
            first, end = result[-1]
            first.running = first.running or segment.running
            result[-1] = (first, max(end, segment.e))
        else:
            result.append((_Seg(segment.s, segment.e, segment.planned, None, segment.running), segment.e))
    return result


@dataclass
class _Day:
    values: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    causes: dict[int | None, list[float]] = field(default_factory=dict)
    is_open: bool = False


def _write_days(session: Session, machine_id: int, first: date, last: date, now: datetime,
                all_ops: list[tuple[float, float]] | None = None) -> int:
    """Recompute and store the days first..last (plant-local, inclusive) of one machine; returns the rows written.
    `all_ops`: the operating intervals (epoch seconds) of a longer range, computed once for many machines."""
    zone = get_settings().zone
    dates = [first + timedelta(days=n) for n in range((last - first).days + 2)]
    bounds = [ts(_midnight(d, zone)) for d in dates]
    start, end = _midnight(first, zone), _midnight(dates[-1], zone)
    days = [_Day() for _ in dates[:-1]]
    segments = _segments(session, machine_id, start - CHAIN_MARGIN, end + CHAIN_MARGIN, now)
    if all_ops is None:
        ops = [(ts(a), ts(b)) for a, b in calendar.operating_intervals(session, start, end)]
    else:
        a, b = ts(start), ts(end)
        ops = [(max(x, a), min(y, b)) for x, y in all_ops if x < b and y > a]
    _fill_unions(days, bounds, segments, ops)
    _fill_failures(days, bounds, failures.link(failures.fetch(session, [machine_id], start, end, now)[machine_id]))
    _fill_causes(days, bounds, [s for s in segments if not s.planned])
    _fill_problems(session, days, bounds, machine_id, start, end)
    session.execute(delete(DailyRollup).where(DailyRollup.machine_id == machine_id, DailyRollup.day >= first,
                                              DailyRollup.day <= last))
    session.execute(delete(DailyCauseRollup).where(DailyCauseRollup.machine_id == machine_id,
                                                   DailyCauseRollup.day >= first, DailyCauseRollup.day <= last))
    rows = [{'machine_id': machine_id, 'day': d, 'is_open': day.is_open,
             **{k: int(day.values.get(k, 0)) if k in INTEGERS else day.values.get(k, 0.0) for k in SUMMED}}
            for d, day in zip(dates, days, strict=False) if day.values or day.is_open]
    causes = [{'machine_id': machine_id, 'day': d, 'subsystem_id': key, 'seconds': secs, 'problems': int(n)}
              for d, day in zip(dates, days, strict=False) for key, (secs, n) in day.causes.items()]
    connection = session.connection()  # Core executemany: the ORM's bulk insert runs a statement per row here
    if rows:
        connection.execute(insert(DailyRollup.__table__), rows)  # type: ignore[arg-type]
    if causes:
        connection.execute(insert(DailyCauseRollup.__table__), causes)  # type: ignore[arg-type]
    return len(rows)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone)


def _days_of(bounds: list[float], s: float, e: float) -> Iterable[tuple[int, float]]:
    """(day index, seconds of [s, e] inside it) for the days that [s, e] overlaps (s < day end, e > day start)."""
    i = max(0, bisect_right(bounds, s) - 1)
    while i < len(bounds) - 1 and bounds[i] < e and s < bounds[i + 1]:
        yield i, max(0.0, min(e, bounds[i + 1]) - max(s, bounds[i]))
        i += 1


def _intersect(episodes: list[tuple[_Seg, float]], ops: list[tuple[float, float]]) -> list[tuple[float, float]]:
    pieces, j = [], 0
    for first, end in episodes:
        while j < len(ops) and ops[j][1] <= first.s:
            j += 1
        k = j
        while k < len(ops) and ops[k][0] < end:
            a, b = max(first.s, ops[k][0]), min(end, ops[k][1])
            if a < b:
                pieces.append((a, b))
            k += 1
    return pieces


def _fill_unions(days: list[_Day], bounds: list[float], segments: list[_Seg], ops: list[tuple[float, float]]) -> None:
    unplanned = _episodes([s for s in segments if not s.planned])
    every = _episodes(segments)
    for name, episodes in (('unplanned', unplanned), ('stopped', every)):
        for first, end in episodes:
            for i, seconds in _days_of(bounds, first.s, end):
                days[i].values[f'{name}_s'] += seconds
                days[i].is_open = days[i].is_open or first.running
            if first.running and bounds[0] <= first.s < bounds[-1]:
                days[bisect_right(bounds, first.s) - 1].is_open = True
        for a, b in _intersect(episodes, ops):
            for i, seconds in _days_of(bounds, a, b):
                days[i].values[f'{name}_op_s'] += seconds


def _fill_failures(days: list[_Day], bounds: list[float], found: list[failures.Failure]) -> None:
    """Each failure (a reopen joined to it) counts on the day it first went down, with its whole length."""
    for failure in found:
        if bounds[0] <= failure.start < bounds[-1]:
            day = days[bisect_right(bounds, failure.start) - 1]
            day.values['episodes'] += 1
            day.values['episode_s'] += failure.seconds
            day.is_open = day.is_open or failure.running


def _fill_causes(days: list[_Day], bounds: list[float], unplanned: list[_Seg]) -> None:
    """Each minute once, to the segment that went down first (DOMAIN.md §5.17), as stats' Pareto does."""
    covered = float('-inf')
    for segment in unplanned:  # in (s, e, log) order
        if segment.e > covered:
            for i, seconds in _days_of(bounds, max(segment.s, covered), segment.e):
                days[i].causes.setdefault(segment.subsystem_id, [0.0, 0])[0] += seconds
        covered = max(covered, segment.e)


def _fill_problems(session: Session, days: list[_Day], bounds: list[float], machine_id: int, start: datetime,
                   end: datetime) -> None:
    log = CTPProblemLog
    query = (select(log.start_time, log.created_at, log.acknowledged_at, log.vendor_called_at, log.vendor_arrived_at,
                    log.is_planned, log.plates_lost, _subsystem_id())
             .outerjoin(Category, Category.id == log.category_id)
             .where(log.machine_id == machine_id, *_live_logs(), log.start_time >= start, log.start_time < end))
    for started, created, acked, called, arrived, planned, plates, subsystem in session.execute(query):
        i = bisect_right(bounds, ts(started)) - 1
        if not 0 <= i < len(days):
            continue
        day = days[i]
        day.values['problems'] += 1
        day.values['planned'] += 1 if planned else 0
        day.values['plates_lost'] += plates or 0
        if acked is not None:
            day.values['ack_n'] += 1
            day.values['ack_s'] += (acked - created).total_seconds()
        if called is not None and arrived is not None:
            day.values['vendor_n'] += 1
            day.values['vendor_s'] += (arrived - called).total_seconds()
        if not planned:
            day.causes.setdefault(subsystem, [0.0, 0])[1] += 1


# ----------------------------------------------------------------------------------------------------------- reading
@dataclass
class Totals:
    """Sums over pieces of a window (rolled-up days and live intervals) for one machine, in seconds."""

    unplanned_s: float = 0.0
    unplanned_op_s: float = 0.0
    stopped_s: float = 0.0
    stopped_op_s: float = 0.0
    episodes: int = 0
    episode_s: float = 0.0
    problems: int = 0
    planned: int = 0
    ack_n: int = 0
    ack_s: float = 0.0
    vendor_n: int = 0
    vendor_s: float = 0.0
    plates_lost: int = 0
    causes: dict[str, list[float]] = field(default_factory=dict)  # subsystem -> [seconds, problems]

    def add_cause(self, name: str, seconds: float, problems: int) -> None:
        row = self.causes.setdefault(name, [0.0, 0])
        row[0] += seconds
        row[1] += problems




def cut_days(session: Session, ids: list[int], now: datetime) -> dict[int, date]:
    """Per machine the first plant-local day left to the live computation: today, or an earlier day a running
    stop touches (an open row, or the day its segment went down). Cuts less than CLUSTER apart are moved to the
    earliest of them, so a window has few distinct live pieces (each costs a handful of statements)."""
    zone = get_settings().zone
    cut = dict.fromkeys(ids, now.astimezone(zone).date())
    if not ids:
        return cut
    for machine_id, day in session.execute(select(DailyRollup.machine_id, func.min(DailyRollup.day))
                                           .where(DailyRollup.machine_id.in_(ids), DailyRollup.is_open)
                                           .group_by(DailyRollup.machine_id)):
        cut[machine_id] = min(cut[machine_id], day)
    for machine_id, down in session.execute(select(DowntimeSegment.machine_id, func.min(DowntimeSegment.down_at))
                                            .where(DowntimeSegment.machine_id.in_(ids), DowntimeSegment.up_at.is_(None))
                                            .group_by(DowntimeSegment.machine_id)):
        cut[machine_id] = min(cut[machine_id], down.astimezone(zone).date())  # type: ignore[union-attr]
    return _cluster(cut)


CLUSTER = timedelta(days=7)


def _cluster(cuts: dict[int, date]) -> dict[int, date]:
    earliest: dict[date, date] = {}
    group: date | None = None
    for day in sorted(set(cuts.values())):
        if group is None or day - group > CLUSTER:
            group = day
        earliest[day] = group
    return {machine_id: earliest[day] for machine_id, day in cuts.items()}


@dataclass
class Plan:
    """How a window is read: rolled-up days [first, cut) per machine, and live intervals with their machines."""

    days: dict[int, tuple[date, date]] = field(default_factory=dict)
    live: dict[Piece, list[int]] = field(default_factory=dict)


def whole_days(start: datetime, end: datetime) -> tuple[date, date]:
    """[first, stop): the plant-local days that lie wholly inside [start, end) (first >= stop: none)."""
    zone = get_settings().zone
    first = start.astimezone(zone).date()
    if _midnight(first, zone) < start:
        first += timedelta(days=1)
    return first, end.astimezone(zone).date()


def split(ids: list[int], start: datetime, end: datetime, cuts: dict[int, date] | None, plan: Plan | None = None,
          key: int = 0) -> Plan:
    """Split [start, end) into whole rolled-up days and live pieces (the partial first and last days, and what
    lies from a machine's cut day on); `cuts` None: all live. `key` tags the live pieces (e.g. a trend bucket)."""
    plan = plan or Plan()
    zone = get_settings().zone
    first, stop = whole_days(start, end)
    for machine_id in ids:
        cut = min(stop, cuts.get(machine_id, stop)) if cuts is not None else first
        pieces = [(start, end)]
        if cut > first:
            plan.days[machine_id] = (first, cut)
            pieces = [(start, _midnight(first, zone)), (_midnight(cut, zone), end)]
        for a, b in pieces:
            if a < b:
                plan.live.setdefault((a, b, key), []).append(machine_id)
    return plan


def add_rolled(session: Session, totals: dict[int, Totals], days: dict[int, tuple[date, date]]) -> None:
    """Add the rolled-up days of each machine to its totals (two statements per distinct day range)."""
    by_range: dict[tuple[date, date], list[int]] = {}
    for machine_id, day_range in days.items():
        by_range.setdefault(day_range, []).append(machine_id)
    names: dict[int | None, str] = dict(session.execute(  # type: ignore[arg-type]
        select(Category.id, Category.name).where(Category.parent_id.is_(None))).all()) if days else {}
    for (first, stop), ids in by_range.items():
        r = DailyRollup
        query = (select(r.machine_id, *[func.sum(getattr(r, name)) for name in SUMMED])
                 .where(r.machine_id.in_(ids), r.day >= first, r.day < stop).group_by(r.machine_id))
        for machine_id, *sums in session.execute(query):
            total = totals[machine_id]
            for field_name, value in zip(SUMMED, sums, strict=True):
                setattr(total, field_name, getattr(total, field_name) + (value or 0))
        for machine_id, subsystem, seconds, problems in session.execute(_causes_query(ids, first, stop)):
            if seconds is None and problems is None:
                continue
            subsystem = names.get(subsystem, 'Uncategorised')
            totals[machine_id].add_cause(subsystem, seconds or 0.0, int(problems or 0))


def _causes_query(ids: list[int], first: date, stop: date) -> Select[tuple[int, int | None, float, int]]:
    """Per machine and subsystem the sums of [first, stop), as two correlated sums per pair: each one a range of
    the (machine, subsystem, day) covering index, so no sort of a year of rows (GROUP BY took ~8x longer)."""
    subsystems = union_all(select(Category.id.label('k')).where(Category.parent_id.is_(None)),
                           select(literal(None, Integer).label('k'))).cte('subsystems')
    c = DailyCauseRollup

    def total(column_):  # type: ignore[no-untyped-def]
        return (select(func.sum(column_)).where(c.machine_id == CTPMachine.id,
                                                c.subsystem_id.is_not_distinct_from(subsystems.c.k),
                                                c.day >= first, c.day < stop).scalar_subquery())
    return (select(CTPMachine.id, subsystems.c.k, total(c.seconds), total(c.problems))  # type: ignore[return-value]
            .select_from(CTPMachine).join(subsystems, true()).where(CTPMachine.id.in_(ids)))


def rows_cte(name: str, columns: dict[str, type[Integer] | type[Float] | type[Date]],
             rows: list[tuple[object, ...]]) -> CTE:
    """A small constant table as a CTE. Few rows: a UNION ALL of bound SELECTs, which SQLAlchemy can cache (a
    VALUES clause is compiled anew every time: ~10-40 ms); many rows: VALUES (SQLite caps UNION ALL at 500)."""
    if len(rows) > 100:
        return values(*[column(c, t) for c, t in columns.items()], name=name).data(rows).cte(name)
    selects: list[Select[tuple[object, ...]]] = [
        select(*[literal(v, t).label(c) for (c, t), v in zip(columns.items(), row, strict=True)]) for row in rows]
    return (union_all(*selects) if len(selects) > 1 else selects[0]).cte(name)


def rolled_trend(session: Session, ids: list[int], buckets: list[tuple[date, date, int]], planned: bool | None,
                 cuts: dict[int, date]) -> dict[int, float]:
    """Seconds per bucket index from the rolled-up days [a, b) of each bucket, each machine up to its cut: one
    statement per distinct cut (day sums from the (machine, day) key), the days put in their buckets here."""
    if not buckets or not ids:
        return {}
    column_ = DailyRollup.unplanned_s if planned is False else DailyRollup.stopped_s
    by_cut: dict[date, list[int]] = {}
    for machine_id in ids:
        by_cut.setdefault(cuts[machine_id], []).append(machine_id)
    first, last = min(a for a, _, _ in buckets), max(b for _, b, _ in buckets)
    result: dict[int, float] = {}
    for cut, machines in by_cut.items():
        query = (select(DailyRollup.day, func.sum(column_))
                 .where(DailyRollup.machine_id.in_(machines), DailyRollup.day >= first,
                        DailyRollup.day < min(last, cut))
                 .group_by(DailyRollup.day))
        for day, seconds in session.execute(query):
            for a, b, i in buckets:
                if a <= day < b:
                    result[i] = result.get(i, 0.0) + (seconds or 0.0)
    return result


def main() -> None:
    """python -m app.services.rollup: recompute the whole roll-up (after changing CTP_TIMEZONE, or to check)."""
    from app.db import init_engine, session_scope
    logging.basicConfig(level=logging.INFO)
    init_engine(get_settings().resolved_database_url)
    with session_scope() as session:
        written = rebuild(session)
        session.commit()
    logger.info('roll-up rebuilt: %d machine-days', written)



if __name__ == '__main__':
    main()
