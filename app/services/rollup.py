"""The daily roll-up of the KPIs (issue 9): per machine and plant-local day, what app/services/stats.py needs.

Written by the services in the transaction that changes segments, problems or the operating calendar
(`refresh_problem`, `rebuild`); read by stats for the whole, closed days of a window (app/services/rollup_read.py).

What a day holds (DOMAIN.md §5): the merged unplanned and all-stop seconds inside the day and inside its operating
hours, the unplanned episodes that start that day with their whole length, the problems that start that day (counts,
acknowledgement and vendor sums, plates lost), and per subsystem (by id: a renamed one keeps its rows) the unplanned
stop seconds and problem counts.
Sums over days equal the live figures because every one of them is additive over disjoint pieces of a window: unions
clipped to a piece, episodes by the piece they start in, problems by the piece their start lies in.

Changing the plant's zone (`CTP_TIMEZONE`) moves the day boundaries: run `rebuild` (python -m
app.services.rollup_cli). What each day holds is computed by app/services/rollup_days.py.
"""
import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Delete,
    Insert,
    Select,
    bindparam,
    delete,
    func,
    insert,
    select,
)
from sqlmodel import Session, col

from app.config import get_settings
from app.db import pk, prepared, select_rows
from app.models import (
    CTPMachine,
    CTPProblemLog,
    DailyCauseRollup,
    DailyRollup,
    DowntimeSegment,
    utcnow,
)
from app.services import calendar, downtime, failures, rollup_days
from app.services.failures import ts
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
    for down, up in downtime.segment_times(session, log.id):  # type: ignore[arg-type]  # a stored problem
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
    """Rewrite the days of [lo, hi] widened to the stop episodes that touch it (their starts carry their length).

    The segments and failures are read once for the whole days of [lo, hi] and handed to the days' computation;
    read again only when an episode or a failure reaches outside those days (a longer window)."""
    now = now or utcnow()
    zone = get_settings().zone
    _lock(session, machine_id)
    start, end = _days_window(lo, hi, zone)
    segments = rollup_days.chained_segments(session, machine_id, start, end, now)
    for first, last in rollup_days.merged_episodes(segments):
        if first.s <= ts(hi) and last >= ts(lo):
            lo = min(lo, datetime.fromtimestamp(first.s, lo.tzinfo))
            hi = max(hi, datetime.fromtimestamp(last, hi.tzinfo))
    window = _days_window(lo, hi, zone)
    reached = failures.fetch(session, [machine_id], *window, now)[machine_id]  # a reopen's failure went down earlier
    if reached:
        lo = min(lo, datetime.fromtimestamp(failures.link(reached)[0].start, lo.tzinfo))
    same = window == (start, end) == _days_window(lo, hi, zone)
    _write_days(session, machine_id, lo.astimezone(zone).date(), hi.astimezone(zone).date(), now,
                known=rollup_days.Known(segments, reached) if same else None)


def _days_window(lo: datetime, hi: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The local midnights starting the day of `lo` and ending the day of `hi` (what `_write_days` computes)."""
    return (_midnight(lo.astimezone(zone).date(), zone),
            _midnight(hi.astimezone(zone).date() + timedelta(days=1), zone))


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
        session.execute(_lock_rows(), {'ids': list(machine_ids)})


@prepared
def _lock_rows() -> Select[int]:
    return (select(pk(CTPMachine.id)).where(col(CTPMachine.id).in_(bindparam('ids', expanding=True)))
            .with_for_update(key_share=True))


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


def _write_days(session: Session, machine_id: int, first: date, last: date, now: datetime,
                all_ops: list[tuple[float, float]] | None = None, known: rollup_days.Known | None = None) -> int:
    """Recompute and store the days first..last (plant-local, inclusive) of one machine; returns the rows written.
    `all_ops`: the operating intervals (epoch seconds) of a longer range, computed once for many machines; `known`:
    the segments and failures of exactly these days, read by the caller."""
    zone = get_settings().zone
    dates = [first + timedelta(days=n) for n in range((last - first).days + 2)]
    bounds = [ts(_midnight(d, zone)) for d in dates]
    start, end = _midnight(first, zone), _midnight(dates[-1], zone)
    if all_ops is None:
        ops = [(ts(a), ts(b)) for a, b in calendar.operating_intervals(session, start, end)]
    else:
        a, b = ts(start), ts(end)
        ops = [(max(x, a), min(y, b)) for x, y in all_ops if x < b and y > a]
    days = rollup_days.compute(session, machine_id, bounds, start, end, now, ops, known)
    for statement in _clear_days():
        session.execute(statement, {'machine_id': machine_id, 'first': first, 'last': last})
    rows = [{'machine_id': machine_id, 'day': d, 'is_open': day.is_open,
             **{k: int(day.values.get(k, 0)) if k in INTEGERS else day.values.get(k, 0.0) for k in SUMMED}}
            for d, day in zip(dates, days, strict=False) if day.values or day.is_open]
    causes = [{'machine_id': machine_id, 'day': d, 'subsystem_id': key, 'seconds': secs, 'problems': int(n)}
              for d, day in zip(dates, days, strict=False) for key, (secs, n) in day.causes.items()]
    connection = session.connection()  # Core executemany: the ORM's bulk insert runs a statement per row here
    day_rows, cause_rows = _insert_days()
    if rows:
        connection.execute(day_rows, rows)
    if causes:
        connection.execute(cause_rows, causes)
    return len(rows)


@prepared
def _clear_days() -> tuple[Delete, Delete]:
    """The stored days of one machine from :first to :last (inclusive), both tables."""
    return tuple(delete(table).where(col(table.machine_id) == bindparam('machine_id'),  # type: ignore[return-value]
                                     col(table.day) >= bindparam('first'), col(table.day) <= bindparam('last'))
                 for table in (DailyRollup, DailyCauseRollup))


@prepared
def _insert_days() -> tuple[Insert, Insert]:
    # SQLModel gives table models their __table__ when the class is built; its types do not declare it
    return insert(DailyRollup.__table__), insert(DailyCauseRollup.__table__)  # type: ignore[attr-defined]
