"""The figures of a machine's plant-local days for the daily roll-up (app/services/rollup.py stores them): merged
stop seconds in the day and in its operating hours, the unplanned episodes that start that day, the problems that
start that day, and the stop seconds and problem counts per subsystem (DOMAIN.md §5)."""
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Select, bindparam, func, or_, select, true
from sqlmodel import Session, col

from app.db import prepared, select_rows
from app.models import Category, CTPProblemLog, DowntimeSegment, ProblemStatus
from app.models.types import UTCDateTime
from app.services import failures
from app.services.failures import CHAIN_MARGIN, ts


@dataclass(frozen=True)
class Known:
    """What a caller already read for exactly [start, end] at `now`: the machine's segments of the islands that
    reach it (`chained_segments`) and the failure segments reaching it (`failures.fetch`)."""

    segments: list['_Seg']
    reached: list[failures.Segment]


def compute(session: Session, machine_id: int, bounds: list[float], start: datetime, end: datetime, now: datetime,
            ops: list[tuple[float, float]], known: Known | None = None) -> list['Day']:
    """The days between consecutive `bounds` (epoch seconds of local midnights, [start, end]) of one machine;
    `ops`: the operating intervals inside them (epoch seconds); `known`: the reads a caller made already."""
    days = [Day() for _ in bounds[:-1]]
    if known is None:
        known = Known(machine_segments(session, machine_id, start - CHAIN_MARGIN, end + CHAIN_MARGIN, now),
                      failures.fetch(session, [machine_id], start, end, now)[machine_id])
    segments = known.segments
    _fill_unions(days, bounds, segments, ops)
    _fill_failures(days, bounds, failures.link(known.reached))
    _fill_causes(days, bounds, [s for s in segments if not s.planned])
    _fill_problems(session, days, bounds, machine_id, start, end)
    return days


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


def machine_segments(session: Session, machine_id: int, lo: datetime, hi: datetime, now: datetime,
                     *, touching: bool = False) -> list[_Seg]:
    """The counted segments of the machine that overlap (lo, hi), or also `touching` its edges, in start order."""
    params = {'machine_id': machine_id, 'lo': lo, 'hi': hi}
    rows = [_Seg(ts(down), ts(up or now), bool(planned), category, up is None, log_id)
            for down, up, planned, category, log_id in select_rows(session, _segments_query(touching), params)]
    return sorted(rows, key=lambda r: (r.s, r.e, r.log_id))


def chained_segments(session: Session, machine_id: int, start: datetime, end: datetime, now: datetime) -> list[_Seg]:
    """The segments of the islands (segments chained by overlapping or touching) that reach [start, end], within
    CHAIN_MARGIN of it: for the days of [start, end) they give what the whole margin's segments give, since an
    island that does not reach them adds nothing to them. Read outwards from the range until no segment crosses
    its edges: a change's day and a neighbour, not the hundreds of segments of two months."""
    floor, ceiling = start - CHAIN_MARGIN, end + CHAIN_MARGIN
    lo, hi = start, end
    while True:
        rows = machine_segments(session, machine_id, lo, hi, now, touching=True)
        wider_lo = max(floor, min([lo, *(datetime.fromtimestamp(r.s, lo.tzinfo) for r in rows)]))
        wider_hi = min(ceiling, max([hi, *(datetime.fromtimestamp(r.e, hi.tzinfo) for r in rows)]))
        if (wider_lo, wider_hi) == (lo, hi):
            return rows
        lo, hi = wider_lo, wider_hi


@prepared
def _segments_query(touching: bool) -> Select[datetime, datetime | None, bool, int | None, int]:
    """The counted segments of :machine_id that overlap (:lo, :hi), or also touch its edges."""
    seg = DowntimeSegment
    lo, hi = bindparam('lo', type_=UTCDateTime()), bindparam('hi', type_=UTCDateTime())
    down, up = col(seg.down_at), col(seg.up_at)
    return (select(down, up, col(seg.is_planned), _subsystem_id(), col(seg.log_id))
            .join(CTPProblemLog, col(CTPProblemLog.id) == col(seg.log_id))
            .outerjoin(Category, col(Category.id) == col(CTPProblemLog.category_id))
            .where(col(seg.machine_id) == bindparam('machine_id'), *failures.counted(),
                   down <= hi if touching else down < hi, or_(up.is_(None), up >= lo if touching else up > lo)))


def merged_episodes(segments: list[_Seg]) -> list[tuple[_Seg, float]]:
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
class Day:
    values: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    causes: dict[int | None, list[float]] = field(default_factory=dict)
    is_open: bool = False


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


def _fill_unions(days: list[Day], bounds: list[float], segments: list[_Seg], ops: list[tuple[float, float]]) -> None:
    unplanned = merged_episodes([s for s in segments if not s.planned])
    every = merged_episodes(segments)
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


def _fill_failures(days: list[Day], bounds: list[float], found: list[failures.Failure]) -> None:
    """Each failure (a reopen joined to it) counts on the day it first went down, with its whole length."""
    for failure in found:
        if bounds[0] <= failure.start < bounds[-1]:
            day = days[bisect_right(bounds, failure.start) - 1]
            day.values['episodes'] += 1
            day.values['episode_s'] += failure.seconds
            day.is_open = day.is_open or failure.running


def _fill_causes(days: list[Day], bounds: list[float], unplanned: list[_Seg]) -> None:
    """Each minute once, to the segment that went down first (DOMAIN.md §5.17), as stats' Pareto does."""
    covered = float('-inf')
    for segment in unplanned:  # in (s, e, log) order
        if segment.e > covered:
            for i, seconds in _days_of(bounds, max(segment.s, covered), segment.e):
                days[i].causes.setdefault(segment.subsystem_id, [0.0, 0])[0] += seconds
        covered = max(covered, segment.e)


def _fill_problems(session: Session, days: list[Day], bounds: list[float], machine_id: int, start: datetime,
                   end: datetime) -> None:
    params = {'machine_id': machine_id, 'start': start, 'end': end}
    for started, created, acked, called, arrived, planned, plates, subsystem in select_rows(session, _problems_query(),
                                                                                            params):
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


@prepared
def _problems_query() -> Select[datetime, datetime, datetime | None, datetime | None, datetime | None, bool, int,
                                     int | None]:
    """The counted problems of :machine_id that start in [:start, :end)."""
    log = CTPProblemLog
    return (select(col(log.start_time), col(log.created_at), col(log.acknowledged_at), col(log.vendor_called_at),
                   col(log.vendor_arrived_at), col(log.is_planned), col(log.plates_lost), _subsystem_id())
            .outerjoin(Category, col(Category.id) == log.category_id)
            .where(col(log.machine_id) == bindparam('machine_id'), *_live_logs(),
                   col(log.start_time) >= bindparam('start', type_=UTCDateTime()),
                   col(log.start_time) < bindparam('end', type_=UTCDateTime())))
