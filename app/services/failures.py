"""Failure episodes (DOMAIN.md §5.11-12): unplanned stop segments joined when they overlap or belong to one problem.

A reopen continues the same failure: its segments are one episode with the ones before, even when the machine ran
in between; the episode's length is the union of its segments and it counts where it first went down. Zero-length
segments (false alarms) are no part of any episode. Used by the statistics (live pieces) and the daily roll-up.
"""
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, false, func, or_, select, true
from sqlmodel import Session, col

from app.db import prepared, select_rows
from app.models import Category, CTPProblemLog, DowntimeSegment, ProblemStatus
from app.models.types import UTCDateTime
from app.sqlfuncs import ids_value, in_ids, in_ids_param

CHAIN_MARGIN = timedelta(days=31)  # segments this far outside a range may still chain into an episode reaching it
MAX_ROUNDS = 8  # closure rounds: each follows reopens far away and what overlaps them


@dataclass(frozen=True)
class Segment:
    log_id: int
    s: float
    e: float
    running: bool


@dataclass
class Failure:
    start: float  # epoch seconds of its first down
    seconds: float  # the union of its segments
    running: bool


def ts(moment: datetime) -> float:
    """Epoch seconds rounded to the millisecond, as stats' SQL rounds them (day boundaries then agree exactly)."""
    return math.floor(moment.timestamp() * 1000 + 0.5) / 1000


def counted(machine_fault: bool = True) -> tuple[ColumnElement[bool], ...]:
    """Segments that count: of live stopping problems in (or out of) machine faults, and not zero-length."""
    seg, log = DowntimeSegment, CTPProblemLog
    fault = func.coalesce(Category.machine_fault, true()) == (true() if machine_fault else false())
    return (col(log.deleted_at).is_(None), col(log.status) != ProblemStatus.CANCELLED, col(log.is_stopping) == true(),
            fault, or_(col(seg.up_at).is_(None), col(seg.up_at) > seg.down_at))


def link(segments: list[Segment]) -> list[Failure]:
    """Union-find over overlap (a segment starting at or before the running end) and same problem."""
    ordered = sorted(set(segments), key=lambda g: (g.s, g.e, g.log_id))
    parent = list(range(len(ordered)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_of_log: dict[int, int] = {}
    island, island_end = -1, float('-inf')
    for i, segment in enumerate(ordered):
        if segment.s <= island_end:
            parent[root(i)] = root(island)
        else:
            island = i
        island_end = max(island_end, segment.e)
        if segment.log_id in first_of_log:
            parent[root(i)] = root(first_of_log[segment.log_id])
        else:
            first_of_log[segment.log_id] = i
    groups: dict[int, list[Segment]] = {}
    for i, segment in enumerate(ordered):
        groups.setdefault(root(i), []).append(segment)
    return sorted((_failure(group) for group in groups.values()), key=lambda f: f.start)


def _failure(group: list[Segment]) -> Failure:
    seconds, end = 0.0, float('-inf')
    for segment in group:  # already in start order
        if segment.e > end:
            seconds += segment.e - max(segment.s, end)
            end = segment.e
    return Failure(group[0].s, seconds, any(g.running for g in group))


def fetch(session: Session, ids: list[int], start: datetime, end: datetime,
          now: datetime) -> dict[int, list[Segment]]:
    """The unplanned machine-fault segments of the failures that reach [start, end): those near it, every segment
    of their problems, and what overlaps those far away, until nothing new turns up."""
    found: dict[int, set[Segment]] = {mid: set() for mid in ids}
    seg = DowntimeSegment
    dialect = session.get_bind().dialect.name
    hi = ts(end + CHAIN_MARGIN)
    params: dict[str, Any] = {'ids': ids, 'now': now, 'start': start, 'end': end + CHAIN_MARGIN}
    query: Select[int, int, datetime, datetime | None] | None = _near()
    seen_logs: set[int] = set()
    for round_ in range(MAX_ROUNDS):
        if query is None or not (new := _select(session, query, params, now, found)):
            break
        logs = {g.log_id for _, g in new} - seen_logs
        seen_logs |= logs
        if round_ == 0:
            logs = set()  # the first statement read every segment of its problems already
        far = [g for _, g in new if g.s > hi]  # a reopen long after: what overlaps it may chain on
        params['logs'] = ids_value(dialect, logs)
        query = _by_logs(dialect) if logs and not far else None
        if far:  # rare: built for its moments
            a, b = min(g.s for g in far), max(g.e for g in far)
            parts: list[ColumnElement[bool]] = [in_ids(session, col(seg.log_id), logs)] if logs else []
            parts.append((func.coalesce(col(seg.up_at), now) >= _at(a, start)) & (col(seg.down_at) <= _at(b, start)))
            hi = max(hi, b)
            query = _segments(or_(*parts))
    return {mid: sorted(rows, key=lambda g: (g.s, g.e, g.log_id)) for mid, rows in found.items()}


def _segments(condition: ColumnElement[bool]) -> Select[int, int, datetime, datetime | None]:
    """The counted unplanned segments of the machines :ids that meet `condition`."""
    seg = DowntimeSegment
    return (select(col(seg.machine_id), col(seg.log_id), col(seg.down_at), col(seg.up_at))
            .join(CTPProblemLog, col(CTPProblemLog.id) == col(seg.log_id))
            .outerjoin(Category, col(Category.id) == col(CTPProblemLog.category_id))
            .where(col(seg.machine_id).in_(bindparam('ids', expanding=True)), col(seg.is_planned) == false(),
                   *counted(), condition))


@prepared
def _near() -> Select[int, int, datetime, datetime | None]:
    """Segments near the range (down before :end, its end plus the chain margin; up, or :now, from :start on) and
    every segment of their problems, in one statement."""
    seg = DowntimeSegment
    near = ((col(seg.down_at) < bindparam('end', type_=UTCDateTime()))
            & (func.coalesce(col(seg.up_at), bindparam('now', type_=UTCDateTime()))
               >= bindparam('start', type_=UTCDateTime())))
    their_problems = _segments(near).with_only_columns(col(seg.log_id)).correlate(None)
    return _segments(near | col(seg.log_id).in_(their_problems))


@prepared
def _by_logs(dialect: str) -> Select[int, int, datetime, datetime | None]:
    """Every segment of the problems :logs."""
    return _segments(in_ids_param(dialect, col(DowntimeSegment.log_id), 'logs'))


def _at(seconds: float, like: datetime) -> datetime:
    return datetime.fromtimestamp(seconds, like.tzinfo)


def _select(session: Session, query: Select[int, int, datetime, datetime | None], params: Mapping[str, Any],
            now: datetime, found: dict[int, set[Segment]]) -> list[tuple[int, Segment]]:
    new = []
    for mid, log_id, down, up_at in select_rows(session, query, params):
        segment = Segment(log_id, ts(down), ts(up_at or now), up_at is None)
        if segment not in found[mid]:
            found[mid].add(segment)
            new.append((mid, segment))
    return new
