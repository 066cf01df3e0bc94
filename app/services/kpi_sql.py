"""The pieces the KPI queries are built of: windows cut to a machine's life (DOMAIN.md §5.15), stop segments as
epoch seconds, gaps-and-islands episodes, and sums clipped to a window and to operating hours."""
from datetime import datetime, timedelta

from sqlalchemy import Float, Select, case, false, func, literal, or_, select, true, type_coerce
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col

from app.db import loose_rows
from app.models import Category, CTPMachine, CTPProblemLog, DowntimeSegment
from app.services import calendar, failures, rollup_read
from app.sqlfuncs import epoch, greatest, least

CHAIN_MARGIN = failures.CHAIN_MARGIN  # segments this far outside the window may still chain into an episode


def lives(session: Session, ids: list[int], start: datetime, end: datetime) -> dict[int, tuple[datetime, datetime]]:
    """[start, end) cut per machine to its life: from created_at (or its first problem, if earlier) to retired_at."""
    if not ids:
        return {}
    first = (select(col(CTPProblemLog.machine_id).label('m'), func.min(col(CTPProblemLog.start_time)).label('t'))
             .where(col(CTPProblemLog.machine_id).in_(ids)).group_by(col(CTPProblemLog.machine_id)).subquery())
    rows = loose_rows(session, select(col(CTPMachine.id), col(CTPMachine.created_at), col(CTPMachine.retired_at),
                                       first.c.t)
                           .outerjoin(first, first.c.m == col(CTPMachine.id)).where(col(CTPMachine.id).in_(ids)))
    result = {}
    for mid, created, retired, first_problem in rows:
        born = min(created, first_problem) if first_problem is not None else created
        result[mid] = (max(start, born), min(end, retired) if retired is not None else end)
    return result


def ms(value: ColumnElement[float]) -> ColumnElement[float]:
    """Epoch seconds rounded to the millisecond: SQLite's julianday is off by ~10 µs, which put a stop that starts
    at midnight on the wrong day; the roll-up rounds the same way (rollup.ts)."""
    return type_coerce(func.round(value * 1000) / 1000, Float)


def segments(ids: list[int], start: datetime, end: datetime, now: datetime, planned: bool | None,
             margin: timedelta = CHAIN_MARGIN, machine_fault: bool = True) -> Select[int, float, float]:
    """Stop segments near the window as (m, s, e) epoch seconds; running ones end now (machine faults by default).

    `margin` lets segments that start after the window chain into the episodes that start inside it (their whole
    length is MTTR's). Nothing before the window is needed: an episode that started earlier covers the window's
    start, so the segments that reach the start (ended at it or later, `up >= start`) already chain it from before;
    and a sum clipped to the window needs only the segments inside it."""
    up = func.coalesce(col(DowntimeSegment.up_at), now)
    query: Select[int, float, float] = (
        select(col(DowntimeSegment.machine_id).label('m'), ms(epoch(col(DowntimeSegment.down_at))).label('s'),
               ms(epoch(up)).label('e'))
        .join(CTPProblemLog, col(CTPProblemLog.id) == col(DowntimeSegment.log_id))
        .outerjoin(Category, col(Category.id) == col(CTPProblemLog.category_id))
        .where(col(DowntimeSegment.machine_id).in_(ids), *failures.counted(machine_fault),
               col(DowntimeSegment.down_at) < end + margin, up >= start, ends_after(start, inclusive=True)))
    if planned is not None:
        query = query.where(col(DowntimeSegment.is_planned) == (true() if planned else false()))
    return query


def ends_after(moment: datetime, *, inclusive: bool = False) -> ColumnElement[bool]:
    """Still running or ended after `moment`: the same rows as coalesce(up_at, now) > moment (now is later), but
    in a form the (machine_id, up_at) index can answer, so a window does not scan the whole history."""
    return or_(col(DowntimeSegment.up_at).is_(None),
               col(DowntimeSegment.up_at) >= moment if inclusive else col(DowntimeSegment.up_at) > moment)


def episodes(segments: Select[int, float, float]):  # type: ignore[no-untyped-def]
    """Gaps and islands: merge overlapping segments per machine into episodes (m, s, e)."""
    seg = segments.cte('seg')
    prev_end = func.max(seg.c.e).over(partition_by=seg.c.m, order_by=(seg.c.s, seg.c.e), rows=(None, -1))
    flagged = select(seg.c.m, seg.c.s, seg.c.e, case((prev_end.is_(None), 1), (seg.c.s > prev_end, 1),
                                                     else_=0).label('new')).cte('flagged')
    grouped = select(flagged.c.m, flagged.c.s, flagged.c.e, func.sum(flagged.c.new).over(
        partition_by=flagged.c.m, order_by=(flagged.c.s, flagged.c.e), rows=(None, 0)).label('g')).cte('grouped')
    return (select(grouped.c.m, func.min(grouped.c.s).label('s'), func.max(grouped.c.e).label('e'))
            .group_by(grouped.c.m, grouped.c.g).cte('episodes').prefix_with('MATERIALIZED'))


def clipped(ep, a: ColumnElement[float] | float, b: ColumnElement[float] | float) -> ColumnElement[float]:  # type: ignore[no-untyped-def]
    return greatest(literal(0.0), least(ep.c.e, b) - greatest(ep.c.s, a))


def sum_by_machine(session: Session, ep, ws: float, we: float,  # type: ignore[no-untyped-def]
                   ops: list[calendar.Interval]) -> tuple[dict[int, float], dict[int, float]]:
    """(seconds inside the window, seconds inside operating hours) per machine; one statement, episodes once."""
    query = select(literal(0).label('k'), ep.c.m, func.sum(clipped(ep, ws, we))).group_by(ep.c.m)
    op_rows = [(failures.ts(a), failures.ts(b)) for a, b in ops]
    if op_rows:
        opv = rollup_read.rows_cte('ops', {'a': Float, 'b': Float}, op_rows)  # type: ignore[arg-type]
        query = query.union_all(  # type: ignore[assignment]
            select(literal(1), ep.c.m, func.sum(clipped(ep, opv.c.a, opv.c.b)))
            .join(opv, (ep.c.s < opv.c.b) & (ep.c.e > opv.c.a)).group_by(ep.c.m))
    sums: tuple[dict[int, float], dict[int, float]] = ({}, {})
    for kind, m, seconds in loose_rows(session, query):
        sums[kind][m] = float(seconds or 0.0)
    return sums
