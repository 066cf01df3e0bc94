"""Failure episodes (DOMAIN.md §5.11-12): unplanned stop segments joined when they overlap or belong to one problem.

A reopen continues the same failure: its segments are one episode with the ones before, even when the machine ran
in between; the episode's length is the union of its segments and it counts where it first went down. Zero-length
segments (false alarms) are no part of any episode. Used by the statistics (live pieces) and the daily roll-up.
"""
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, false, func, or_, select, true
from sqlmodel import Session, col

from app.db import select_rows
from app.models import Category, CTPProblemLog, DowntimeSegment, ProblemStatus
from app.sqlfuncs import in_ids

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
    hi = ts(end + CHAIN_MARGIN)
    near = (col(seg.down_at) < end + CHAIN_MARGIN) & (func.coalesce(col(seg.up_at), now) >= start)
    condition: ColumnElement[bool] | None = near
    seen_logs: set[int] = set()
    for _ in range(MAX_ROUNDS):
        if condition is None or not (new := _select(session, ids, now, condition, found)):
            break
        logs = {g.log_id for _, g in new} - seen_logs
        seen_logs |= logs
        far = [g for _, g in new if g.s > hi]  # a reopen long after: what overlaps it may chain on
        parts: list[ColumnElement[bool]] = [in_ids(session, col(seg.log_id), logs)] if logs else []
        if far:
            a, b = min(g.s for g in far), max(g.e for g in far)
            parts.append((func.coalesce(col(seg.up_at), now) >= _at(a, start)) & (col(seg.down_at) <= _at(b, start)))
            hi = max(hi, b)
        condition = or_(*parts) if parts else None
    return {mid: sorted(rows, key=lambda g: (g.s, g.e, g.log_id)) for mid, rows in found.items()}


def _at(seconds: float, like: datetime) -> datetime:
    return datetime.fromtimestamp(seconds, like.tzinfo)


def _select(session: Session, ids: list[int], now: datetime, condition: ColumnElement[bool],
            found: dict[int, set[Segment]]) -> list[tuple[int, Segment]]:
    seg = DowntimeSegment
    query = (select(col(seg.machine_id), col(seg.log_id), col(seg.down_at), col(seg.up_at))
             .join(CTPProblemLog, col(CTPProblemLog.id) == col(seg.log_id))
             .outerjoin(Category, col(Category.id) == col(CTPProblemLog.category_id))
             .where(col(seg.machine_id).in_(ids), col(seg.is_planned) == false(), *counted(), condition))
    new = []
    for mid, log_id, down, up_at in select_rows(session, query):
        segment = Segment(log_id, ts(down), ts(up_at or now), up_at is None)
        if segment not in found[mid]:
            found[mid].add(segment)
            new.append((mid, segment))
    return new
