"""The daily roll-up: statistics read from it equal the live computation from segments, for random histories.

The property test plays random problem histories through the services (overlapping, planned and unplanned stops,
across midnight and the DST changes, open ones, edits, reopen, cancel, soft delete, workflow categories, operating
hours and closed days changed on the way) on its own clock, and compares, at checkpoints and at the end, every KPI of
random windows and the weekly trends, read through the roll-up, with the same figures computed live from segments.
"""
import os
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import Session

from app.errors import DomainError
from app.models import CTPMachine, CTPProblemLog, Role, User
from app.services import calendar, calendar_admin, problem_logs, stats, taxonomy
from tests.factories import actor, change, complete, make_machine, make_user, report

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


# CTP_ROLLUP_HISTORIES: how many histories (the PostgreSQL run plays fewer: its subject is the dialect, not the rules)
@pytest.mark.parametrize('seed', range(int(os.environ.get('CTP_ROLLUP_HISTORIES', '8'))))
def test_rollup_kpis_equal_the_live_computation_for_random_histories(session: Session, seed: int) -> None:
    start = START_SPRING if seed % 2 == 0 else START_AUTUMN
    with time_machine.travel(start, tick=False):  # the history keeps its own clock: any day of the year plays it alike
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
