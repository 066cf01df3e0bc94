"""The daily roll-up: statistics read from it equal the live computation from segments (the random histories are in
test_rollup_property.py), whole days come from the roll-up, today and running stops are live."""
from datetime import date

import pytest
import time_machine
from sqlalchemy import text
from sqlmodel import Session

from app.models import Category, CTPProblemLog, DowntimeSegment, Role
from app.services import calendar, calendar_admin, problem_logs, rollup, rollup_days, stats, taxonomy
from tests.app.test_kpis import at, kpis, stop
from tests.factories import actor, change, make_machine, make_user, report

pytestmark = pytest.mark.dates  # tests/clock.py: CI runs these at every pinned moment


def test_the_backfill_fills_the_rollup_for_rows_written_behind_the_services(session: Session) -> None:
    """Rows loaded in bulk (the demo, the benchmark) are rolled up by `rebuild`; before it, statistics miss them."""
    machine, admin = make_machine(session), make_user(session, 'boss', Role.ADMIN)
    day = date(2026, 3, 10)
    for hour in (8, 12):
        log = CTPProblemLog(machine_id=machine.id, problem_date=day, problem_description='Jam',  # type: ignore[arg-type]
                            start_time=at(10, hour), end_time=at(10, hour, 45), status='completed')
        session.add(log)
        session.flush()
        session.add(DowntimeSegment(log_id=log.id, machine_id=machine.id, down_at=at(10, hour),  # type: ignore[arg-type]
                                    up_at=at(10, hour, 45)))
    session.commit()
    assert kpis(session, admin, machine, day, day).unplanned_downtime_minutes == 0  # not rolled up yet
    rollup.rebuild(session)
    session.commit()
    row = kpis(session, admin, machine, day, day)
    assert row.unplanned_downtime_minutes == pytest.approx(90, abs=0.01)
    assert row.episodes == 2 and row.problem_count == 2


def test_a_year_is_read_from_the_rollup_not_from_segments(session: Session) -> None:
    """Whole closed days come from the roll-up: a segment changed behind the services' back does not show."""
    machine, admin = make_machine(session), make_user(session, 'boss', Role.ADMIN)
    log_id = stop(session, admin, machine, at(10, 8), at(10, 9))
    session.execute(text('UPDATE downtime_segments SET up_at = :up WHERE log_id = :id'),
                    {'up': at(10, 12).replace(tzinfo=None) if session.bind.dialect.name == 'sqlite'  # type: ignore[union-attr]
                     else at(10, 12), 'id': log_id})
    session.commit()
    start, end = calendar.local_range_bounds(date(2026, 1, 1), date(2026, 12, 31))
    with time_machine.travel(at(1, 12, month=12), tick=False):
        rolled = stats.machine_stats(session, actor=actor(admin), start=start, end=end)[machine.id]  # type: ignore[index]
        live = stats.compute(session, [machine.id], start, end, at(1, 12, month=12), use_rollup=False)[machine.id]  # type: ignore[list-item,index]
    assert rolled.unplanned_downtime_minutes == pytest.approx(60, abs=0.01)
    assert live.unplanned_downtime_minutes == pytest.approx(240, abs=0.01)


def test_today_and_a_running_stop_are_live(session: Session) -> None:
    """A stop still running since two days ago counts up to now; the days it spans are not frozen when written."""
    machine, admin = make_machine(session), make_user(session, 'boss', Role.ADMIN)
    with time_machine.travel(at(8, 22), tick=False):
        report(session, admin, machine, start=at(8, 22))
    with time_machine.travel(at(10, 10), tick=False):
        row = kpis(session, admin, machine, date(2026, 3, 8), date(2026, 3, 10))
        start, end = calendar.local_range_bounds(date(2026, 3, 8), date(2026, 3, 10))
        now = stats.machine_stats(session, actor=actor(admin), start=start, end=end)[machine.id]  # type: ignore[index]
    assert row.unplanned_downtime_minutes == pytest.approx(2 * 60 + 24 * 60 + 24 * 60, abs=0.01)  # kpis: now = the end
    assert now.unplanned_downtime_minutes == pytest.approx(2 * 60 + 24 * 60 + 10 * 60, abs=0.01)
    assert now.episodes == 1


def test_changing_operating_hours_recomputes_the_rollup(session: Session) -> None:
    machine, admin = make_machine(session), make_user(session, 'boss', Role.ADMIN)
    stop(session, admin, machine, at(10, 8), at(10, 9, 36))  # a Tuesday
    day = date(2026, 3, 10)
    assert kpis(session, admin, machine, day, day).availability == pytest.approx(1 - 96 / 1440, abs=1e-4)  # 24/7
    calendar_admin.set_weekly_windows(session, actor=actor(admin), windows=[(1, 360, 1320)])
    assert kpis(session, admin, machine, day, day).availability == pytest.approx(0.9, abs=1e-4)
    calendar_admin.set_closures(session, actor=actor(admin), days={day: 'holiday'})
    row = kpis(session, admin, machine, day, day)
    assert row.operating_minutes == 0 and row.availability is None and row.unplanned_operating_downtime_minutes == 0


def test_rows_of_categories_use_the_current_subsystem_name(session: Session) -> None:
    machine, admin = make_machine(session), make_user(session, 'boss', Role.ADMIN)
    tree = {parent.name: (parent, children) for parent, children in (taxonomy.seed_default_taxonomy(session),
                                                                      taxonomy.list_tree(session))[1]}
    parent, children = tree['Imaging head / laser']
    stop(session, admin, machine, at(10, 8), at(10, 9), category_id=children[0].id)
    taxonomy.update_category(session, actor=actor(admin), category_id=parent.id, name='Laser head')  # type: ignore[arg-type]
    row = kpis(session, admin, machine, date(2026, 3, 1), date(2026, 3, 31))
    assert [(c.subsystem, round(c.minutes), c.count) for c in row.top_causes] == [('Laser head', 60, 1)]
    assert session.get(Category, children[0].id) is not None


def test_a_change_late_in_an_episode_updates_the_day_the_episode_started(session: Session) -> None:
    """MTTR puts a whole episode on the day it started (DOMAIN.md §5.8): lengthening its last stop changes that day."""
    machine, admin = make_machine(session), make_user(session, 'boss', Role.ADMIN)
    stop(session, admin, machine, at(9, 22), at(10, 2))
    later = stop(session, admin, machine, at(10, 1), at(10, 3))  # chains with the first: one episode, 5 h
    with time_machine.travel(at(12, 8), tick=False):
        change(session, admin, later, end_time=at(10, 5))
    row = kpis(session, admin, machine, date(2026, 3, 9), date(2026, 3, 9))
    assert (row.episodes, row.mttr_minutes) == (1, pytest.approx(7 * 60, abs=0.01))
    assert row.unplanned_downtime_minutes == pytest.approx(120, abs=0.01)


def test_a_change_reads_the_whole_island_that_reaches_its_days_and_stores_what_a_rebuild_stores(
        session: Session) -> None:
    """A change's roll-up reads only the segments of the islands that reach its days (rollup_days.chained_segments,
    outwards from them; a segment that touches another's end chains): the days it stores are those a rebuild from
    every segment stores."""
    machine, admin = make_machine(session), make_user(session, 'boss', Role.ADMIN)
    stop(session, admin, machine, at(1, 8), at(1, 9))  # an island of its own, days before
    stop(session, admin, machine, at(5, 22), at(7, 2))
    stop(session, admin, machine, at(7, 2), at(7, 4))  # touches the one before: the same island
    late = stop(session, admin, machine, at(7, 3), at(8, 1))
    with time_machine.travel(at(12, 8), tick=False):
        change(session, admin, late, end_time=at(8, 6))
        start, end = calendar.local_range_bounds(date(2026, 3, 8), date(2026, 3, 8))
        island = rollup_days.chained_segments(session, machine.id, start, end, at(12, 8))  # type: ignore[arg-type]
        stored = _stored_days(session, machine.id)  # type: ignore[arg-type]
        rollup.rebuild(session, [machine.id])  # type: ignore[list-item]
    assert [(s.s, s.e) for s in island] == [(at(5, 22).timestamp(), at(7, 2).timestamp()),
                                            (at(7, 2).timestamp(), at(7, 4).timestamp()),
                                            (at(7, 3).timestamp(), at(8, 6).timestamp())]
    assert stored == _stored_days(session, machine.id)  # type: ignore[arg-type]
    assert {str(day)[:10] for day, *_ in stored[0]} >= {'2026-03-05', '2026-03-07', '2026-03-08'}  # the island's days


def _stored_days(session: Session, machine_id: int) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    days = session.execute(text('SELECT day, is_open, unplanned_s, unplanned_op_s, stopped_s, stopped_op_s, episodes, '
                                'episode_s, problems FROM daily_rollups WHERE machine_id = :m ORDER BY day'),
                           {'m': machine_id}).all()
    causes = session.execute(text('SELECT day, subsystem_id, seconds, problems FROM daily_cause_rollups '
                                  'WHERE machine_id = :m ORDER BY day, subsystem_id'), {'m': machine_id}).all()
    return [tuple(row) for row in days], [tuple(row) for row in causes]


def test_concurrent_writes_on_one_machine_all_succeed_and_roll_up(session: Session) -> None:
    """Two tablets saving at once on the same machine rewrite the same days: neither may fail (PostgreSQL would
    see the same (machine, day) row inserted twice without the per-machine lock)."""
    import threading

    from app.db import session_scope
    from app.models.schemas import ProblemLogCreate
    machine, admin = make_machine(session), make_user(session, 'boss', Role.ADMIN)
    errors: list[BaseException] = []

    def tablet() -> None:
        for _ in range(4):
            try:
                with session_scope() as own:
                    problem_logs.report_problem(own, actor=actor(admin), problem_in=ProblemLogCreate(
                        machine_id=machine.id, problem_description='Jam', start_time=at(10, 8)))  # type: ignore[arg-type]
            except BaseException as error:  # noqa: BLE001 - collected and asserted below
                errors.append(error)
    threads = [threading.Thread(target=tablet) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    start, end = calendar.local_range_bounds(date(2026, 3, 10), date(2026, 3, 10))
    live = stats.compute(session, [machine.id], start, end, end, use_rollup=False)[machine.id]  # type: ignore[list-item,index]
    rolled = stats.compute(session, [machine.id], start, end, end)[machine.id]  # type: ignore[list-item,index]
    assert rolled.problem_count == live.problem_count == 12
