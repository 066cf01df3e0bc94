"""The daily roll-up (issue 9): statistics read from it equal the live computation from segments.

The property test plays random problem histories through the services (overlapping, planned and unplanned stops,
across midnight and the DST changes, open ones, edits, reopen, cancel, soft delete, workflow categories, operating
hours and closed days changed on the way) and compares, at checkpoints and at the end, every KPI of random windows
and the weekly trends, read through the roll-up, with the same figures computed live from segments only.
"""
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import text
from sqlmodel import Session

from app.errors import DomainError
from app.models import Category, CTPMachine, CTPProblemLog, DowntimeSegment, Role, User
from app.services import calendar, calendar_admin, problem_logs, rollup, stats, taxonomy
from tests.app.test_kpis import at, kpis, stop
from tests.factories import actor, change, complete, make_machine, make_user, report

pytestmark = pytest.mark.dates  # tests/clock.py: CI runs these at every pinned moment

BERLIN = ZoneInfo('Europe/Berlin')
FIELDS = ('operating_minutes', 'problem_count', 'failure_count', 'planned_count', 'episodes',
          'unplanned_downtime_minutes', 'unplanned_operating_downtime_minutes', 'planned_downtime_minutes',
          'planned_operating_minutes', 'episode_minutes', 'mtta_minutes', 'vendor_response_minutes', 'plates_lost')


@dataclass
class Plant:
    session: Session
    rng: random.Random
    admin: User
    machines: list[CTPMachine]
    categories: list[int | None]
    logs: list[int]
    start: datetime


def _plant(session: Session, seed: int, start: datetime) -> Plant:
    taxonomy.seed_default_taxonomy(session)
    session.commit()
    tree = {parent.name: children for parent, children in taxonomy.list_tree(session)}
    categories: list[int | None] = [None, tree['Plate loading / autoloader'][0].id, tree['Imaging head / laser'][1].id,
                                    tree['Planned maintenance'][0].id, tree['Workflow / RIP / files'][0].id]
    machines = [make_machine(session, f'CTP {n}') for n in range(2)]
    admin = make_user(session, 'boss', Role.ADMIN)
    calendar_admin.set_weekly_windows(session, actor=actor(admin), windows=[(d, 360, 1320) for d in range(6)])
    return Plant(session, random.Random(seed), admin, machines, categories, [], start)


def _moment(plant: Plant, now: datetime, back_minutes: int) -> datetime:
    """A time up to `back_minutes` before now; one in five falls exactly on a plant-local midnight."""
    moment = now - timedelta(minutes=plant.rng.randint(0, back_minutes), seconds=plant.rng.randint(0, 59))
    if plant.rng.random() < 0.2:
        local = moment.astimezone(BERLIN).date()
        moment = datetime.combine(local, datetime.min.time(), BERLIN).astimezone(UTC)
    return max(moment, plant.start)


def _log(plant: Plant, *statuses: str) -> CTPProblemLog | None:
    rows = [plant.session.get(CTPProblemLog, i) for i in plant.logs]
    rows = [r for r in rows if r is not None and r.deleted_at is None and r.status in statuses]
    return plant.rng.choice(rows) if rows else None


def _step(plant: Plant, now: datetime) -> None:  # noqa: C901 - one branch per kind of change, on purpose
    rng, session, admin = plant.rng, plant.session, plant.admin
    kind = rng.choices(('report', 'complete', 'ack', 'edit', 'reopen', 'cancel', 'delete', 'hours', 'closure'),
                       (30, 22, 6, 14, 6, 5, 4, 2, 2))[0]
    if kind == 'report':
        fields: dict[str, object] = {'category_id': rng.choice(plant.categories), 'is_stopping': rng.random() < 0.85}
        if rng.random() < 0.3:
            fields['is_planned'] = rng.random() < 0.5
        plant.logs.append(report(session, admin, rng.choice(plant.machines), start=_moment(plant, now, 3 * 1440),
                                 **fields))
        return
    if kind == 'hours':
        windows = [(d, rng.choice((0, 300, 360)), rng.choice((1080, 1320, 1440)))
                   for d in range(7) if rng.random() < 0.8]
        calendar_admin.set_weekly_windows(session, actor=actor(admin), windows=windows)
        return
    if kind == 'closure':
        day = (now - timedelta(days=rng.randint(0, 6))).astimezone(BERLIN).date()
        calendar_admin.set_closures(session, actor=actor(admin), days={day: 'holiday'} if rng.random() < 0.8 else {})
        return
    log = _log(plant, *{'complete': ('open', 'in_progress'), 'ack': ('open',), 'edit': ('open', 'in_progress',
                         'completed'), 'reopen': ('completed',), 'cancel': ('open', 'in_progress'),
                         'delete': ('open', 'in_progress', 'completed')}[kind])
    if log is None:
        return
    if kind == 'complete':
        end = log.start_time + (now - log.start_time) * rng.random()
        complete(session, admin, log.id, end=end, vendor_called_at=log.start_time + timedelta(minutes=5),  # type: ignore[arg-type]
                 vendor_arrived_at=end, plates_lost=rng.randint(0, 5))
    elif kind == 'ack':
        change(session, admin, log.id, status='in_progress')  # type: ignore[arg-type]
    elif kind == 'edit':
        edits: dict[str, object] = {}
        if rng.random() < 0.5:
            edits['start_time'] = _moment(plant, log.end_time or now, 2 * 1440)
        if log.status == 'completed' and rng.random() < 0.5:
            edits['end_time'] = max(edits.get('start_time', log.start_time), _moment(plant, now, 1440))  # type: ignore[type-var]
        if rng.random() < 0.3:
            edits['is_planned'] = not log.is_planned
        if rng.random() < 0.2:
            edits['is_stopping'] = not log.is_stopping
        if rng.random() < 0.3:
            edits['category_id'] = rng.choice(plant.categories)
        change(session, admin, log.id, **edits)  # type: ignore[arg-type]
    elif kind == 'reopen':
        change(session, admin, log.id, status='in_progress', reason='ran badly', never_ran=rng.random() < 0.4)  # type: ignore[arg-type]
    elif kind == 'cancel':
        change(session, admin, log.id, status='cancelled', reason='wrong machine')  # type: ignore[arg-type]
    else:
        problem_logs.delete_problem(session, actor=actor(admin), log_id=log.id)  # type: ignore[arg-type]


def _window(plant: Plant, now: datetime) -> tuple[datetime, datetime]:
    rng = plant.rng
    if rng.random() < 0.5:  # whole plant-local days, as the pages ask
        first = (plant.start + timedelta(days=rng.randint(-1, 12))).astimezone(BERLIN).date()
        return calendar.local_range_bounds(first, first + timedelta(days=rng.randint(0, 10)))
    a = plant.start + timedelta(minutes=rng.randint(-1440, 14 * 1440))
    return a, a + timedelta(minutes=rng.randint(1, 12 * 1440))


def _same(rolled: stats.MachineStats, live: stats.MachineStats, what: str) -> None:
    for name in FIELDS:
        got, want = getattr(rolled, name), getattr(live, name)
        if want is None or got is None:
            assert got == want, f'{what}: {name} {got} != {want}'
        else:
            assert got == pytest.approx(want, abs=1e-3), f'{what}: {name} {got} != {want}'
    assert {c.subsystem: (pytest.approx(c.minutes, abs=1e-3), c.count) for c in rolled.top_causes} == \
        {c.subsystem: (c.minutes, c.count) for c in live.top_causes}, what


def _check(plant: Plant, now: datetime, windows: int = 6) -> None:
    session, ids = plant.session, [m.id for m in plant.machines]
    for _ in range(windows):
        start, end = _window(plant, now)
        rolled = stats.compute(session, ids, start, end, now)  # type: ignore[arg-type]
        live = stats.compute(session, ids, start, end, now, use_rollup=False)  # type: ignore[arg-type]
        for machine_id in ids:
            _same(rolled[machine_id], live[machine_id], f'machine {machine_id}, {start} - {end}, now {now}')  # type: ignore[index]
        _same(stats.plant_totals(rolled), stats.plant_totals(live), f'plant, {start} - {end}')  # type: ignore[arg-type]
        first, last = start.astimezone(BERLIN).date(), end.astimezone(BERLIN).date()
        weeks = [calendar.local_range_bounds(d, min(d + timedelta(days=6), last))
                 for d in (first + timedelta(days=7 * n) for n in range((last - first).days // 7 + 1))]
        buckets = [(start, weeks[0][1]), *weeks[1:]] if weeks[0][1] > start else weeks
        for planned in (False, None):
            args = {'actor': actor(plant.admin), 'buckets': buckets, 'now': now, 'planned': planned}
            assert stats.downtime_trend(session, **args) == pytest.approx(  # type: ignore[arg-type]
                stats.downtime_trend(session, **args, use_rollup=False), abs=1e-3), f'trend {buckets}'  # type: ignore[arg-type]


START_SPRING = datetime(2026, 3, 23, 5, tzinfo=BERLIN).astimezone(UTC)  # the clocks go forward on 29 March
START_AUTUMN = datetime(2026, 10, 19, 5, tzinfo=BERLIN).astimezone(UTC)  # and back on 25 October


@pytest.mark.parametrize('seed', range(8))
def test_rollup_kpis_equal_the_live_computation_for_random_histories(session: Session, seed: int) -> None:
    start = START_SPRING if seed % 2 == 0 else START_AUTUMN
    plant = _plant(session, seed, start)
    now = start
    for step in range(45):
        now += timedelta(minutes=plant.rng.randint(5, 9 * 60), seconds=plant.rng.randint(0, 59))
        with time_machine.travel(now, tick=False):
            try:
                _step(plant, now)
            except DomainError:  # an edit the rules refuse (e.g. a start after the end) changes nothing
                session.rollback()
            if step % 9 == 8:
                _check(plant, now, windows=3)
    with time_machine.travel(now, tick=False):
        _check(plant, now)
    later = now + timedelta(days=3)  # the running stops ran on; nothing was written since
    with time_machine.travel(later, tick=False):
        _check(plant, later)


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
