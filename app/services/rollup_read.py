"""Reading the daily roll-up (app/services/rollup.py writes it): which days of a window come from it, and their sums.

A day is left to the live computation from segments when it is today or later, when a stop touching it was still
running when it was written (`is_open`), or when it lies after the start of a machine's running stop.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Float, Integer, Select, column, func, literal, select, true, union_all, values
from sqlalchemy.orm import Mapped
from sqlalchemy.sql.selectable import CTE, ScalarSelect
from sqlmodel import Session, col

from app.config import get_settings
from app.db import loose_rows, select_rows
from app.models import Category, CTPMachine, DailyCauseRollup, DailyRollup, DowntimeSegment

Piece = tuple[datetime, datetime, int]  # a live interval and the index of what it belongs to (a trend bucket, or 0)
SUMMED = ('unplanned_s', 'unplanned_op_s', 'stopped_s', 'stopped_op_s', 'episodes', 'episode_s', 'problems',
          'planned', 'ack_n', 'ack_s', 'vendor_n', 'vendor_s', 'plates_lost')  # the day's figures, all additive


def midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone)


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
    for machine_id, day in select_rows(session, select(col(DailyRollup.machine_id), func.min(col(DailyRollup.day)))
                                           .where(col(DailyRollup.machine_id).in_(ids), col(DailyRollup.is_open))
                                           .group_by(col(DailyRollup.machine_id))):
        cut[machine_id] = min(cut[machine_id], day)
    for machine_id, down in select_rows(session, select(col(DowntimeSegment.machine_id),
                                                        func.min(col(DowntimeSegment.down_at)))
                                            .where(col(DowntimeSegment.machine_id).in_(ids),
                                                   col(DowntimeSegment.up_at).is_(None))
                                            .group_by(col(DowntimeSegment.machine_id))):
        cut[machine_id] = min(cut[machine_id], down.astimezone(zone).date())
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
    if midnight(first, zone) < start:
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
            pieces = [(start, midnight(first, zone)), (midnight(cut, zone), end)]
        for a, b in pieces:
            if a < b:
                plan.live.setdefault((a, b, key), []).append(machine_id)
    return plan


def add_rolled(session: Session, totals: dict[int, Totals], days: dict[int, tuple[date, date]]) -> None:
    """Add the rolled-up days of each machine to its totals (two statements per distinct day range)."""
    by_range: dict[tuple[date, date], list[int]] = {}
    for machine_id, day_range in days.items():
        by_range.setdefault(day_range, []).append(machine_id)
    names: dict[int | None, str] = dict(select_rows(session,
        select(col(Category.id), col(Category.name)).where(col(Category.parent_id).is_(None))).all()) if days else {}
    for (first, stop), ids in by_range.items():
        r = DailyRollup
        query = (select(col(r.machine_id), *[func.sum(getattr(r, name)) for name in SUMMED])
                 .where(col(r.machine_id).in_(ids), col(r.day) >= first, col(r.day) < stop).group_by(col(r.machine_id)))
        for machine_id, *sums in loose_rows(session, query):
            total = totals[machine_id]
            for field_name, value in zip(SUMMED, sums, strict=True):
                setattr(total, field_name, getattr(total, field_name) + (value or 0))
        for machine_id, subsystem, seconds, problems in select_rows(session, _causes_query(ids, first, stop)):
            if seconds is None and problems is None:
                continue
            name = names.get(subsystem, 'Uncategorised')
            totals[machine_id].add_cause(name, seconds or 0.0, int(problems or 0))


def _causes_query(ids: list[int], first: date, stop: date) -> Select[int, int | None, float, int]:
    """Per machine and subsystem the sums of [first, stop), as two correlated sums per pair: each one a range of
    the (machine, subsystem, day) covering index, so no sort of a year of rows (GROUP BY took ~8x longer)."""
    subsystems = union_all(select(col(Category.id).label('k')).where(col(Category.parent_id).is_(None)),
                           select(literal(None, Integer).label('k'))).cte('subsystems')
    c = DailyCauseRollup

    def total(column_: Mapped[float] | Mapped[int]) -> ScalarSelect[Any]:
        return (select(func.sum(column_)).where(col(c.machine_id) == col(CTPMachine.id),
                                                col(c.subsystem_id).is_not_distinct_from(subsystems.c.k),
                                                col(c.day) >= first, col(c.day) < stop).scalar_subquery())
    return (select(col(CTPMachine.id), subsystems.c.k, total(col(c.seconds)), total(col(c.problems)))
            .select_from(CTPMachine).join(subsystems, true()).where(col(CTPMachine.id).in_(ids)))


def rows_cte(name: str, columns: dict[str, type[Integer] | type[Float[float]] | type[Date]],
             rows: list[tuple[object, ...]]) -> CTE:
    """A small constant table as a CTE. Few rows: a UNION ALL of bound SELECTs, which SQLAlchemy can cache (a
    VALUES clause is compiled anew every time: ~10-40 ms); many rows: VALUES (SQLite caps UNION ALL at 500)."""
    if len(rows) > 100:
        return values(*[column(c, t) for c, t in columns.items()], name=name).data(rows).cte(name)
    selects: list[Select[*tuple[Any, ...]]] = [
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
        query = (select(col(DailyRollup.day), func.sum(column_))
                 .where(col(DailyRollup.machine_id).in_(machines), col(DailyRollup.day) >= first,
                        col(DailyRollup.day) < min(last, cut))
                 .group_by(col(DailyRollup.day)))
        for day, seconds in select_rows(session, query):
            for a, b, i in buckets:
                if a <= day < b:
                    result[i] = result.get(i, 0.0) + (seconds or 0.0)
    return result
