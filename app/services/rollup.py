"""The daily roll-up of the KPIs (issue 9): per machine and plant-local day, what app/services/stats.py needs.

Written by the services in the transaction that changes segments, problems or the operating calendar
(`refresh_problem`, `rebuild`); read by stats for the whole, closed days of a window (app/services/rollup_read.py).

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
from datetime import date, datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    delete,
    func,
    insert,
    or_,
    select,
    true,
)
from sqlmodel import Session, col

from app.config import get_settings
from app.db import pk, select_rows
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
from app.services.rollup_read import SUMMED
from app.services.rollup_read import midnight as _midnight

logger = logging.getLogger(__name__)

Span = tuple[datetime, datetime]
INTEGERS = ('episodes', 'problems', 'planned', 'ack_n', 'vendor_n', 'plates_lost')


# ----------------------------------------------------------------------------------------------------------- writing
def span_of(session: Session, log: CTPProblemLog, now: datetime | None = None) -> Span:
    """The instants a problem's figures reach: its start and end and its segments (a running one up to now)."""
    now = now or utcnow()
    moments = [log.start_time, log.end_time or log.start_time]
    for down, up in select_rows(session, select(col(DowntimeSegment.down_at), col(DowntimeSegment.up_at))
                                    .where(col(DowntimeSegment.log_id) == log.id)):
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
    ids = list(machine_ids) if machine_ids is not None else list(select_rows(session, select(pk(CTPMachine.id)))
                                                                 .scalars())
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
        session.execute(delete(DailyRollup).where(col(DailyRollup.machine_id) == machine_id))
        session.execute(delete(DailyCauseRollup).where(col(DailyCauseRollup.machine_id) == machine_id))
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
        session.execute(select(col(CTPMachine.id)).where(col(CTPMachine.id).in_(machine_ids)).with_for_update(key_share=True))


def _extent(session: Session, machine_id: int, now: datetime) -> tuple[datetime | None, datetime | None]:
    log = CTPProblemLog
    first_log, last_log = select_rows(session, select(func.min(log.start_time), func.max(log.start_time))
                                          .where(col(log.machine_id) == machine_id)).one()
    seg = DowntimeSegment
    first_seg, last_up, running = select_rows(session,
        select(func.min(col(seg.down_at)), func.max(col(seg.up_at)), func.count(col(seg.id)).filter(col(seg.up_at)
                                                                                                    .is_(None)))
        .where(col(seg.machine_id) == machine_id)).one()
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


def _live_logs() -> tuple[ColumnElement[bool], ...]:
    """Problems that count: not deleted, not cancelled, machine faults (workflow categories stay out)."""
    return (col(CTPProblemLog.deleted_at).is_(None), col(CTPProblemLog.status) != ProblemStatus.CANCELLED,
            func.coalesce(Category.machine_fault, true()) == true())


def _subsystem_id() -> ColumnElement[int | None]:
    """The problem's subsystem (a symptom's parent, or the category itself): what the Pareto groups by."""
    return func.coalesce(col(Category.parent_id), col(Category.id))


def _segments(session: Session, machine_id: int, lo: datetime, hi: datetime, now: datetime) -> list[_Seg]:
    seg = DowntimeSegment
    query = (select(col(seg.down_at), col(seg.up_at), col(seg.is_planned), _subsystem_id(), col(seg.log_id))
             .join(CTPProblemLog, col(CTPProblemLog.id) == col(seg.log_id))
             .outerjoin(Category, col(Category.id) == col(CTPProblemLog.category_id))
             .where(col(seg.machine_id) == machine_id, *failures.counted(), col(seg.down_at) < hi,
                    or_(col(seg.up_at).is_(None), col(seg.up_at) > lo)))
    rows = [_Seg(ts(down), ts(up or now), bool(planned), category, up is None, log_id)
            for down, up, planned, category, log_id in select_rows(session, query)]
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
    session.execute(delete(DailyRollup).where(col(DailyRollup.machine_id) == machine_id, col(DailyRollup.day) >= first,
                                              col(DailyRollup.day) <= last))
    session.execute(delete(DailyCauseRollup).where(col(DailyCauseRollup.machine_id) == machine_id,
                                                   col(DailyCauseRollup.day) >= first,
                                                   col(DailyCauseRollup.day) <= last))
    rows = [{'machine_id': machine_id, 'day': d, 'is_open': day.is_open,
             **{k: int(day.values.get(k, 0)) if k in INTEGERS else day.values.get(k, 0.0) for k in SUMMED}}
            for d, day in zip(dates, days, strict=False) if day.values or day.is_open]
    causes = [{'machine_id': machine_id, 'day': d, 'subsystem_id': key, 'seconds': secs, 'problems': int(n)}
              for d, day in zip(dates, days, strict=False) for key, (secs, n) in day.causes.items()]
    connection = session.connection()  # Core executemany: the ORM's bulk insert runs a statement per row here
    if rows:
        # SQLModel gives table models their __table__ when the class is built; its types do not declare it
        connection.execute(insert(DailyRollup.__table__), rows)  # type: ignore[attr-defined]
    if causes:
        connection.execute(insert(DailyCauseRollup.__table__), causes)  # type: ignore[attr-defined]
    return len(rows)


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
    query = (select(col(log.start_time), col(log.created_at), col(log.acknowledged_at), col(log.vendor_called_at),
                    col(log.vendor_arrived_at),
                    col(log.is_planned), col(log.plates_lost), _subsystem_id())
             .outerjoin(Category, col(Category.id) == log.category_id)
             .where(col(log.machine_id) == machine_id, *_live_logs(), col(log.start_time) >= start,
                    col(log.start_time) < end))
    for started, created, acked, called, arrived, planned, plates, subsystem in select_rows(session, query):
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
