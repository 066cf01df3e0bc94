"""Issue 15, decisions (DOMAIN.md §5.11, 12, 17 and the "not machine faults" column), with their numbers."""
from datetime import date

import pytest
import time_machine
from sqlmodel import Session

from app.errors import InvalidInput
from app.models import Role
from app.services import calendar, stats
from tests.app.test_kpis import at, kpis, stop
from tests.factories import actor, change, complete, make_machine, make_user, seeded_category


@pytest.fixture
def plant(session: Session):  # type: ignore[no-untyped-def]
    return make_machine(session), make_user(session, 'boss', Role.ADMIN)


def test_a_zero_length_stop_is_no_episode_and_no_downtime(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    machine, admin = plant
    stop(session, admin, machine, at(10, 8), at(10, 8))  # a false alarm
    stop(session, admin, machine, at(10, 12), at(10, 12, 30))
    row = kpis(session, admin, machine, date(2026, 3, 10), date(2026, 3, 10))
    assert row.episodes == 1 and row.mttr_minutes == pytest.approx(30)
    assert row.unplanned_downtime_minutes == pytest.approx(30)


def _reopened_next_day(session: Session, admin, machine) -> int:  # type: ignore[no-untyped-def]
    log_id = stop(session, admin, machine, at(10, 8), at(10, 9))
    with time_machine.travel(at(11, 10), tick=False):
        change(session, admin, log_id, status='in_progress', reason='jammed again')
    with time_machine.travel(at(11, 10, 30), tick=False):
        complete(session, admin, log_id)
    return log_id


def test_a_reopen_continues_the_same_failure(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    machine, admin = plant
    _reopened_next_day(session, admin, machine)
    stop(session, admin, machine, at(10, 14), at(10, 14, 30))  # fixed first time
    both = kpis(session, admin, machine, date(2026, 3, 10), date(2026, 3, 11))
    assert both.episodes == 2 and both.mttr_minutes == pytest.approx((90 + 30) / 2)  # not 3 stops of 40
    assert both.unplanned_downtime_minutes == pytest.approx(120)
    first = kpis(session, admin, machine, date(2026, 3, 10), date(2026, 3, 10))
    assert first.episodes == 2 and first.episode_minutes == pytest.approx(120)  # counted where it first went down
    second = kpis(session, admin, machine, date(2026, 3, 11), date(2026, 3, 11))
    assert second.episodes == 0 and second.unplanned_downtime_minutes == pytest.approx(30)
    assert (first.reopened_failures, first.reopen_count, first.failure_count) == (1, 1, 2)
    assert first.first_time_fix_rate == pytest.approx(0.5)
    assert second.first_time_fix_rate is None
    total = stats.plant_totals({machine.id: first})  # type: ignore[dict-item]
    assert (total.reopen_count, total.first_time_fix_rate) == (1, pytest.approx(0.5))


def test_reopened_at_records_when_the_reopen_happened(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    machine, admin = plant
    log_id = stop(session, admin, machine, at(10, 8), at(10, 9))
    with time_machine.travel(at(10, 12), tick=False):
        with pytest.raises(InvalidInput) as future:
            change(session, admin, log_id, status='in_progress', reason='again', reopened_at=at(10, 12, 30))
        session.rollback()
        with pytest.raises(InvalidInput) as early:
            change(session, admin, log_id, status='in_progress', reason='again', reopened_at=at(10, 8, 30))
        session.rollback()
        change(session, admin, log_id, status='in_progress', reason='again', reopened_at=at(10, 10))
        complete(session, admin, log_id, end=at(10, 10, 30))
    assert (future.value.field, early.value.field) == ('reopened_at', 'reopened_at')
    row = kpis(session, admin, machine, date(2026, 3, 10), date(2026, 3, 10))
    assert row.unplanned_downtime_minutes == pytest.approx(90) and row.episodes == 1


def test_the_pareto_attributes_each_minute_once(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    machine, admin = plant
    jam = seeded_category(session, 'Plate loading / autoloader', 'Plate jam')
    laser = seeded_category(session, 'Imaging head / laser', 'Banding/streaks')
    stop(session, admin, machine, at(10, 10), at(10, 11), category_id=jam.id)
    stop(session, admin, machine, at(10, 10, 30), at(10, 11, 30), category_id=laser.id)
    row = kpis(session, admin, machine, date(2026, 3, 10), date(2026, 3, 10))
    assert [(c.subsystem, round(c.minutes), c.count) for c in row.top_causes] == [
        ('Plate loading / autoloader', 60, 1), ('Imaging head / laser', 30, 1)]
    assert sum(c.minutes for c in row.top_causes) == pytest.approx(row.unplanned_downtime_minutes)


def test_not_machine_faults_are_counted_on_their_own(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    machine, admin = plant
    rip = seeded_category(session, 'Workflow / RIP / files', 'RIP error')
    stop(session, admin, machine, at(10, 8), at(10, 9), category_id=rip.id)
    stop(session, admin, machine, at(10, 8, 30), at(10, 9, 15), category_id=rip.id)
    stop(session, admin, machine, at(10, 12), at(10, 12, 10))
    row = kpis(session, admin, machine, date(2026, 3, 10), date(2026, 3, 10))
    assert (row.not_machine_fault_count, row.not_machine_fault_minutes) == (2, pytest.approx(75))
    assert row.problem_count == 1 and row.unplanned_downtime_minutes == pytest.approx(10)
    start, end = calendar.local_day_bounds(date(2026, 3, 10))
    total = stats.plant_totals(stats.machine_stats(session, actor=actor(admin), start=start, end=end, now=end))
    assert (total.not_machine_fault_count, total.not_machine_fault_minutes) == (2, pytest.approx(75))
