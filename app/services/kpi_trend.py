"""Downtime per bucket (e.g. per week) for the trend charts, each machine counted within its life and before now."""
from datetime import date, datetime, timedelta

from sqlalchemy import Float, Integer, func, select
from sqlmodel import Session, col

from app.db import loose_rows, pk, select_rows
from app.models import CTPMachine, utcnow
from app.services import failures, kpi_sql, rollup_read
from app.services.access import Action, Actor, machine_scope, require
from app.services.kpi_sql import lives


def downtime_trend(session: Session, *, actor: Actor, buckets: list[tuple[datetime, datetime]],
                   machine_ids: list[int] | None = None, now: datetime | None = None,
                   planned: bool | None = False, use_rollup: bool = True) -> list[float | None]:
    """Unplanned (planned=None: all, merged) downtime minutes per bucket, e.g. per week, in scope: whole closed
    days from the roll-up, the rest live (planned=True, planned only, is always live). Each machine counts only
    within its life and before now (DOMAIN.md §5.15-16); a bucket with none of that is None ("—"), not 0."""
    require(actor, Action.READ_STATS)
    query = select(pk(CTPMachine.id)).where(machine_scope(session, actor, col(CTPMachine.id)))
    if machine_ids is not None:
        query = query.where(col(CTPMachine.id).in_(machine_ids))
    ids = list(select_rows(session, query).scalars()) if buckets else []
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
    for group, days in whole.items():
        for i, seconds in rollup_read.rolled_trend(session, list(group), days, planned, cuts or {}).items():
            totals[i] = (totals[i] or 0.0) + seconds / 60
    by_machines: dict[tuple[int, ...], list[rollup_read.Piece]] = {}
    for (a, b, i), mids in plan.live.items():
        by_machines.setdefault(tuple(mids), []).append((a, b, i))
    for group, pieces in by_machines.items():
        for i, seconds in _live_trend(session, list(group), pieces, now, planned).items():
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
    first, last = min(p[0] for p in pieces), max(p[1] for p in pieces)
    episodes = kpi_sql.episodes(kpi_sql.segments(ids, first, last, now, planned, timedelta(0)))
    rows = [(i, failures.ts(a), failures.ts(b)) for a, b, i in pieces]
    bv = rollup_read.rows_cte('buckets', {'i': Integer, 'a': Float, 'b': Float}, rows)  # type: ignore[arg-type]
    query_sum = (select(bv.c.i, func.sum(kpi_sql.clipped(episodes, bv.c.a, bv.c.b)))
                 .join(bv, (episodes.c.s < bv.c.b) & (episodes.c.e > bv.c.a)).group_by(bv.c.i))
    return {index: float(seconds or 0.0) for index, seconds in loose_rows(session, query_sum)}

