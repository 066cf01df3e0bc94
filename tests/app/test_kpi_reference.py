"""Property test (issue 15): the statistics service against the reference implementation in kpi_reference.py.

Random problem histories on two machines (reports back-dated, completions, zero-length stops, acknowledgements,
reopens now / at a given time / "it never ran", cancels, edits of times and of the stopping and planned flags,
workflow faults) around both DST changes, on a 24/7 and a shift calendar. After every operation the service must
accept or refuse it as the rules say, the daily roll-up must equal the live computation, and both must equal the
reference. One database for the whole run, cleared between cases; the clock is pinned.

100 derandomized cases by default (the same ones every run; the PostgreSQL run of scripts/test-all takes 40);
KPI_REFERENCE_EXAMPLES=1000 for a deeper run.
"""
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func
from sqlmodel import Session, select

from app.errors import DomainError
from app.models import (
    CTPMachine,
    CTPNotification,
    CTPProblemLog,
    DailyCauseRollup,
    DailyRollup,
    DowntimeSegment,
    OperatingWindow,
    ProblemAudit,
    Role,
    User,
)
from app.services import calendar, calendar_admin, stats, taxonomy
from tests.app import kpi_reference as ref
from tests.factories import actor, change, complete, make_machine, make_user, report

BERLIN = ZoneInfo('Europe/Berlin')
BASES = (datetime(2026, 3, 28, 18, tzinfo=BERLIN).astimezone(UTC),  # clocks go forward on 29 March
         datetime(2026, 10, 24, 18, tzinfo=BERLIN).astimezone(UTC))  # and back on 25 October
SHIFTS = [(d, 360, 1320) for d in range(6)]  # Monday-Saturday 06:00-22:00
KINDS = ('report', 'report', 'report', 'complete', 'complete', 'zero', 'ack', 'reopen', 'cancel', 'start', 'end',
         'stopping', 'planned')
FIELDS = ('window_minutes', 'operating_minutes', 'unplanned_downtime_minutes', 'unplanned_operating_downtime_minutes',
          'planned_downtime_minutes', 'planned_operating_minutes', 'episodes', 'episode_minutes', 'problem_count',
          'planned_count', 'ack_count', 'mtta_minutes', 'reopened_failures', 'reopen_count', 'not_machine_fault_count',
          'not_machine_fault_minutes')

operation = st.tuples(st.sampled_from(KINDS), st.integers(0, 10**6), st.integers(0, 720), st.booleans(),
                      st.integers(1, 400))
case = st.tuples(st.sampled_from(BASES), st.booleans(), st.lists(operation, min_size=1, max_size=6))


class World:
    """The database and the reference model side by side."""

    def __init__(self, session: Session) -> None:
        self.session = session
        taxonomy.seed_default_taxonomy(session)
        session.commit()
        tree = {parent.name: children for parent, children in taxonomy.list_tree(session)}
        self.categories = [  # (id, subsystem, planned by default, machine fault)
            (None, 'Uncategorised', False, True),
            (tree['Plate loading / autoloader'][0].id, 'Plate loading / autoloader', False, True),
            (tree['Planned maintenance'][0].id, 'Planned maintenance', True, True),
            (tree['Workflow / RIP / files'][0].id, 'Workflow / RIP / files', False, False)]
        self.machines = [make_machine(session, f'CTP {n}') for n in range(2)]
        self.admin = make_user(session, 'boss', Role.ADMIN)
        self.problems: list[ref.Problem] = []
        self.windows: list[tuple[int, int, int]] = []

    def reset(self, shifts: bool) -> None:
        for table in (CTPNotification, ProblemAudit, DowntimeSegment, CTPProblemLog, DailyRollup, DailyCauseRollup,
                      OperatingWindow):
            self.session.execute(delete(table))  # type: ignore[arg-type]
        self.session.commit()
        self.problems = []
        self.windows = SHIFTS if shifts else []
        if shifts:
            calendar_admin.set_weekly_windows(self.session, actor=actor(self.admin), windows=SHIFTS)


@pytest.fixture
def world(session: Session) -> Iterator[World]:
    yield World(session)


def _pick(world: World, n: int, *statuses: str) -> ref.Problem | None:
    choices = [p for p in world.problems if p.status in statuses]
    return choices[n % len(choices)] if choices else None


def _apply(world: World, kind: str, n: int, minutes: int, flag: bool, now: datetime) -> None:
    """One operation on both sides; a refusal must agree."""
    if kind == 'report':
        _report(world, n, minutes, flag, now)
        return
    statuses = {'complete': ('open', 'in_progress'), 'zero': ('open', 'in_progress'), 'ack': ('open',),
                'reopen': ('completed',), 'cancel': ('open', 'in_progress')}.get(kind, ('open', 'in_progress',
                                                                                       'completed'))
    p = _pick(world, n, *statuses)
    if p is None:
        return
    try:
        expected = _expect(p, kind, n, minutes, flag, now)
    except ref.Refused:
        expected = None
    try:
        _service(world, p, kind, n, minutes, flag, now)
    except DomainError as error:
        world.session.rollback()
        assert expected is None, f'{kind} on {p} refused by the service: {error}'
        return
    assert expected is not None, f'{kind} on {p} accepted though the rules refuse it'
    expected()


def _report(world: World, n: int, minutes: int, flag: bool, now: datetime) -> None:
    category, subsystem, planned, fault = world.categories[n % 4]
    machine = world.machines[n // 4 % 2]
    start = now - timedelta(minutes=minutes)
    log_id = report(world.session, world.admin, machine, start=start, is_stopping=flag or n % 3 > 0,
                    category_id=category)
    stopping = flag or n % 3 > 0
    world.problems.append(ref.Problem(log_id, machine.id, start, now, stopping, planned, fault, subsystem,  # type: ignore[arg-type]
                                      segments=[[start, None]] if stopping else []))


def _time(p: ref.Problem, n: int, now: datetime) -> datetime:
    """A time between the problem's last down (or start) and now, on a whole second."""
    last = p.segments[-1][0] if p.segments else p.start
    span = max(0, int((now - last).total_seconds()))  # type: ignore[operator]
    return last + timedelta(seconds=n % (span + 1))  # type: ignore[operator]


def _expect(p: ref.Problem, kind: str, n: int, minutes: int, flag: bool, now: datetime):  # type: ignore[no-untyped-def]
    """What the rules make of the operation: a function that applies it to the model, or Refused."""
    if kind in ('complete', 'zero'):
        end = (p.segments[-1][0] if p.segments else p.start) if kind == 'zero' else _time(p, n, now)
        ref.check_times(p.start, end, now)
        p_done = ref.Problem(**{**vars(p), 'status': 'completed'})
        segments = ref.fit(p_done, p.start, end, p.stopping)

        def done() -> None:
            p.status, p.end, p.segments = 'completed', end, segments
            p.acked = p.acked or max(now, p.created)
        return done
    if kind == 'ack':
        return lambda: setattr(p, 'acked', max(now, p.created)) or setattr(p, 'status', 'in_progress')
    if kind == 'reopen':
        return _expect_reopen(p, n, minutes, flag, now)
    if kind == 'cancel':
        return lambda: setattr(p, 'status', 'cancelled') or setattr(p, 'segments', [])
    if kind in ('start', 'end'):
        start = now - timedelta(minutes=minutes) if kind == 'start' else p.start
        end = p.end
        if kind == 'end':
            if p.status != 'completed':
                raise ref.Refused('end_time is set by completing')
            end = _time(ref.Problem(**{**vars(p), 'segments': p.segments or [[p.start, None]]}), n, now)
        ref.check_times(start, end, now)
        segments = ref.fit(p, start, end, p.stopping)
        return lambda: _set(p, start=start, end=end, segments=segments)
    if kind == 'stopping':
        segments = ref.fit(p, p.start, p.end, not p.stopping)
        return lambda: _set(p, stopping=not p.stopping, segments=segments)
    return lambda: setattr(p, 'planned', not p.planned)


def _expect_reopen(p: ref.Problem, n: int, minutes: int, flag: bool, now: datetime):  # type: ignore[no-untyped-def]
    ends = [p.end, *(s[1] for s in p.segments)]
    last_end = max(e for e in ends if e is not None)
    at = now - timedelta(minutes=minutes // 4) if n % 3 == 0 else None
    if at is not None and at < last_end:
        raise ref.Refused('reopened before the last end')
    never_ran = flag and n % 2 == 0

    def reopened() -> None:
        if p.stopping:
            if never_ran and p.segments:
                p.segments[-1][1] = None
            else:
                p.segments.append([at or now, None])
        p.status, p.end, p.reopens = 'in_progress', None, p.reopens + 1
    return reopened


def _set(p: ref.Problem, **values: object) -> None:
    for name, value in values.items():
        setattr(p, name, value)


def _service(world: World, p: ref.Problem, kind: str, n: int, minutes: int, flag: bool, now: datetime) -> None:
    session, admin = world.session, world.admin
    if kind in ('complete', 'zero'):
        end = (p.segments[-1][0] if p.segments else p.start) if kind == 'zero' else _time(p, n, now)
        complete(session, admin, p.id, end=end)
    elif kind == 'ack':
        change(session, admin, p.id, status='in_progress')
    elif kind == 'reopen':
        at = now - timedelta(minutes=minutes // 4) if n % 3 == 0 else None
        change(session, admin, p.id, status='in_progress', reason='again', never_ran=flag and n % 2 == 0,
               **({'reopened_at': at} if at else {}))
    elif kind == 'cancel':
        change(session, admin, p.id, status='cancelled', reason='wrong machine')
    elif kind == 'start':
        change(session, admin, p.id, start_time=now - timedelta(minutes=minutes))
    elif kind == 'end':
        if p.status != 'completed':
            change(session, admin, p.id, end_time=now)
        else:
            change(session, admin, p.id, end_time=_time(ref.Problem(**{**vars(p), 'segments': p.segments or [
                [p.start, None]]}), n, now))
    elif kind == 'stopping':
        change(session, admin, p.id, is_stopping=not p.stopping)
    else:
        change(session, admin, p.id, is_planned=not p.planned)


def _windows(now: datetime, base: datetime) -> list[tuple[datetime, datetime]]:
    """Whole plant-local days covering the case (cut at now), and the DST day alone."""
    return [calendar.local_range_bounds((base - timedelta(days=1)).astimezone(BERLIN).date(),
                                        (now + timedelta(days=1)).astimezone(BERLIN).date()),
            calendar.local_day_bounds((base + timedelta(days=1)).astimezone(BERLIN).date())]


def _compare(world: World, now: datetime, windows: list[tuple[datetime, datetime]]) -> None:
    ids = [m.id for m in world.machines]
    for start, end in windows:
        rolled = stats.compute(world.session, ids, start, end, now)  # type: ignore[arg-type]
        live = stats.compute(world.session, ids, start, end, now, use_rollup=False)  # type: ignore[arg-type]
        for machine_id in ids:
            want = ref.kpis(world.problems, machine_id, start, end, now, world.windows, BERLIN)  # type: ignore[arg-type]
            for got, what in ((rolled[machine_id], 'roll-up'), (live[machine_id], 'live')):  # type: ignore[index]
                for name in FIELDS:
                    if name in want:
                        assert getattr(got, name) == pytest.approx(want[name], abs=1e-6), \
                            f'{what} {name}, machine {machine_id}, {start} - {end}, now {now}: {want}'
                if 'causes' in want:
                    causes = {c.subsystem: pytest.approx(c.minutes, abs=1e-6) for c in got.top_causes if c.minutes}
                    assert causes == want['causes'], f'{what} Pareto, machine {machine_id}, {start} - {end}'


@settings(max_examples=int(os.environ.get('KPI_REFERENCE_EXAMPLES', '100')), deadline=None, derandomize=True,
          database=None, report_multiple_bugs=False, phases=(Phase.explicit, Phase.generate),  # no slow shrinking
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(case)
def test_statistics_equal_the_reference_after_every_operation(world: World, case) -> None:  # type: ignore[no-untyped-def]
    base, shifts, operations = case
    world.reset(shifts)
    now = base
    for kind, n, minutes, flag, advance in operations:
        now += timedelta(minutes=advance, seconds=n % 60)
        with time_machine.travel(now, tick=False):
            _apply(world, kind, n, minutes, flag, now)
            _compare(world, now, _windows(now, base)[:1])  # after every operation: roll-up = live = reference
    with time_machine.travel(now, tick=False):
        _compare(world, now, _windows(now, base)[1:])


def test_the_world_is_cleared_between_cases(world: World) -> None:
    world.reset(True)
    count = world.session.exec(select(func.count()).select_from(CTPProblemLog)).one()
    assert count == 0 and len(world.session.exec(select(CTPMachine)).all()) == 2
    assert len(world.session.exec(select(User)).all()) == 1
