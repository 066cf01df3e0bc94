"""Statistics read only the segments near a window (issue 9): long stops that began far before it still count."""
from datetime import date, timedelta

import pytest
import time_machine
from sqlmodel import Session

from app.models import Role
from app.services import calendar, failures, kpi_sql, stats
from tests.app.test_kpis import at, kpis, stop
from tests.factories import actor, make_machine, make_user, report, seeded_category

pytestmark = pytest.mark.dates  # tests/clock.py: CI runs these at every pinned moment


def test_a_stop_running_since_long_before_the_window_fills_it(session: Session) -> None:
    machine, admin = make_machine(session), make_user(session, 'boss', Role.ADMIN)
    with time_machine.travel(at(1, 8, month=1), tick=False):
        report(session, admin, machine, start=at(1, 8, month=1))  # still down two months later
    row = kpis(session, admin, machine, date(2026, 3, 10), date(2026, 3, 10))
    assert round(row.unplanned_downtime_minutes) == 24 * 60
    start, end = calendar.local_range_bounds(date(2026, 3, 10), date(2026, 3, 10))
    today = stats.downtime_seconds_by_machine(session, [machine.id], start, end, end)  # type: ignore[list-item]
    assert round(today[machine.id]) == 24 * 3600  # type: ignore[index]


def test_a_long_finished_stop_counts_only_inside_the_window_and_chains_with_its_neighbour(session: Session) -> None:
    machine, admin = make_machine(session), make_user(session, 'boss', Role.ADMIN)
    stop(session, admin, machine, at(1, 8, month=1), at(10, 12))  # began 68 days before the window, ends at noon
    stop(session, admin, machine, at(10, 11), at(10, 13))  # overlaps it: one episode, started outside the window
    row = kpis(session, admin, machine, date(2026, 3, 10), date(2026, 3, 10))
    assert round(row.unplanned_downtime_minutes) == 13 * 60
    assert row.episodes == 0
    assert stats.downtime_trend(session, actor=actor(admin), buckets=[calendar.local_range_bounds(
        date(2026, 3, 10), date(2026, 3, 10))], now=at(11, 0)) == [13 * 60]


def test_the_boards_day_merges_as_the_kpi_query_does(session: Session) -> None:
    """The board's 'today' is merged in Python: overlapping, touching, planned, running and earlier stops give the
    same seconds as the window-function query of the KPIs."""
    machine, admin = make_machine(session), make_user(session, 'boss', Role.ADMIN)
    clean = seeded_category(session, 'Planned maintenance', 'Processor clean / chemistry change')
    stop(session, admin, machine, at(9, 22), at(10, 1))          # began the day before
    stop(session, admin, machine, at(10, 6), at(10, 7))
    stop(session, admin, machine, at(10, 6, 30), at(10, 8))      # overlaps the one before
    stop(session, admin, machine, at(10, 8), at(10, 9))          # touches it
    stop(session, admin, machine, at(10, 10), at(10, 10, 45), category_id=clean.id)  # planned counts too
    with time_machine.travel(at(10, 12), tick=False):
        report(session, admin, machine, start=at(10, 12))         # still running
    start, now = calendar.local_day_bounds(date(2026, 3, 10))[0], at(10, 14, 20)
    by_sql = kpi_sql.sum_by_machine(session, kpi_sql.episodes(kpi_sql.segments(
        [machine.id], start, now, now, planned=None, margin=timedelta(0))),  # type: ignore[list-item]
        failures.ts(start), failures.ts(now), [])[0]
    board = stats.downtime_seconds_by_machine(session, [machine.id], start, now, now)  # type: ignore[list-item]
    assert board == pytest.approx(by_sql)
    assert board[machine.id] == pytest.approx((60 + 3 * 60 + 45 + 140) * 60)  # type: ignore[index]
