"""The worked examples of DOMAIN.md §5, with their numbers."""
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import Session

from app.models import Role
from app.services import calendar, calendar_admin, machines, stats
from tests.factories import actor, change, complete, make_machine, make_user, report, seeded_category

pytestmark = pytest.mark.dates  # tests/clock.py: CI runs these at every pinned moment

BERLIN = ZoneInfo('Europe/Berlin')


def at(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 3) -> datetime:
    """A plant-local (Berlin) time in 2026, as aware UTC."""
    return datetime(2026, month, day, hour, minute, second, tzinfo=BERLIN).astimezone(UTC)


def stop(session: Session, who, machine, start: datetime, end: datetime, **fields: object) -> int:  # type: ignore[no-untyped-def]
    with time_machine.travel(start, tick=False):
        log_id = report(session, who, machine, start=start, **fields)
    with time_machine.travel(end, tick=False):
        complete(session, who, log_id, end=end)
    return log_id


def kpis(session: Session, who, machine, first: date, last: date):  # type: ignore[no-untyped-def]
    start, end = calendar.local_range_bounds(first, last)
    return stats.machine_stats(session, actor=actor(who), start=start, end=end, machine_ids=[machine.id],
                               now=end)[machine.id]


@pytest.fixture
def plant(session: Session):  # type: ignore[no-untyped-def]
    machine = make_machine(session)
    admin = make_user(session, 'boss', Role.ADMIN)
    return machine, admin


def test_minutes_are_summed_from_seconds_before_rounding(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    machine, admin = plant
    for hour in (8, 10, 12):
        stop(session, admin, machine, at(10, hour), at(10, hour, 20, 40))
    row = kpis(session, admin, machine, date(2026, 3, 10), date(2026, 3, 10))
    assert round(row.unplanned_downtime_minutes) == 62
    assert row.episodes == 3


def test_running_downtime_counts_up_to_now(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    machine, admin = plant
    with time_machine.travel(at(10, 6, 30), tick=False):
        report(session, admin, machine, start=at(10, 6, 30))
    with time_machine.travel(at(10, 8, 15), tick=False):
        board = machines.get_machine(session, actor=actor(admin), machine_id=machine.id)
        start, end = calendar.local_day_bounds(date(2026, 3, 10))
        row = stats.machine_stats(session, actor=actor(admin), start=start, end=end, machine_ids=[machine.id])
    assert board.status == 'down'
    assert board.today_downtime_minutes == 105
    assert board.current_downtime_minutes == 105
    assert round(row[machine.id].unplanned_downtime_minutes) == 105
    assert row[machine.id].availability_24_7 == pytest.approx(1 - 105 / 495, abs=1e-4)  # so far: 00:00-08:15 (§5.16)


def test_planned_time_stays_out_of_mttr(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    machine, admin = plant
    clean = seeded_category(session, 'Planned maintenance', 'Processor clean / chemistry change')
    stop(session, admin, machine, at(10, 8), at(10, 8, 30))
    stop(session, admin, machine, at(10, 12), at(10, 13, 30))
    stop(session, admin, machine, at(10, 15), at(10, 17), category_id=clean.id)
    row = kpis(session, admin, machine, date(2026, 3, 10), date(2026, 3, 10))
    assert row.episodes == 2
    assert row.mttr_minutes == pytest.approx(60, abs=0.01)
    assert row.planned_downtime_minutes == pytest.approx(120, abs=0.01)
    assert row.planned_count == 1 and row.failure_count == 2


def test_overlapping_stops_merge_into_one_episode(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    machine, admin = plant
    with time_machine.travel(at(10, 11, 30), tick=False):
        a = report(session, admin, machine, start=at(10, 10))
        b = report(session, admin, machine, start=at(10, 10, 30))
        complete(session, admin, a, end=at(10, 11))
        complete(session, admin, b, end=at(10, 11, 30))
    row = kpis(session, admin, machine, date(2026, 3, 10), date(2026, 3, 10))
    assert row.unplanned_downtime_minutes == pytest.approx(90, abs=0.01)
    assert row.episodes == 1
    assert row.mttr_minutes == pytest.approx(90, abs=0.01)


def test_availability_against_operating_hours(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    machine, admin = plant
    calendar_admin.set_weekly_windows(session, actor=actor(admin), windows=[(d, 360, 1320) for d in range(7)])
    stop(session, admin, machine, at(10, 8), at(10, 9, 36))
    row = kpis(session, admin, machine, date(2026, 3, 10), date(2026, 3, 10))
    assert row.operating_minutes == pytest.approx(960)
    assert row.availability == pytest.approx(0.900, abs=1e-4)
    assert row.availability_24_7 == pytest.approx(0.9333, abs=1e-4)


def test_night_stop_costs_no_operating_minutes(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    machine, admin = plant
    calendar_admin.set_weekly_windows(session, actor=actor(admin), windows=[(d, 360, 1320) for d in range(7)])
    stop(session, admin, machine, at(10, 23), at(11, 1))
    row = kpis(session, admin, machine, date(2026, 3, 10), date(2026, 3, 11))
    assert row.unplanned_operating_downtime_minutes == pytest.approx(0, abs=0.01)
    assert row.unplanned_downtime_minutes == pytest.approx(120, abs=0.01)
    assert row.availability == pytest.approx(1.0)


def test_mtbf_and_mttr_from_operating_time(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    machine, admin = plant
    calendar_admin.set_weekly_windows(session, actor=actor(admin), windows=[(d, 360, 1320) for d in range(7)])
    for day in (2, 4, 6, 8):
        stop(session, admin, machine, at(day, 10), at(day, 11, 40))
    row = kpis(session, admin, machine, date(2026, 3, 1), date(2026, 3, 10))
    assert row.planned_operating_time == pytest.approx(9600)
    assert row.unplanned_operating_downtime_minutes == pytest.approx(400, abs=0.01)
    assert row.mttr_minutes == pytest.approx(100, abs=0.01)
    assert row.mtbf_minutes == pytest.approx(2300, abs=0.01)


def test_mtta_and_vendor_response(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    machine, admin = plant
    with time_machine.travel(at(10, 9), tick=False):
        log_id = report(session, admin, machine, start=at(10, 9), vendor_called_at=at(10, 9))
    with time_machine.travel(at(10, 9, 12), tick=False):
        change(session, admin, log_id, status='in_progress')
    with time_machine.travel(at(10, 11), tick=False):
        change(session, admin, log_id, vendor_arrived_at=at(10, 10, 30))
    row = kpis(session, admin, machine, date(2026, 3, 10), date(2026, 3, 10))
    assert row.mtta_minutes == pytest.approx(12, abs=0.01)
    assert row.vendor_response_minutes == pytest.approx(90, abs=0.01)


def test_window_clipping_and_episode_in_start_window(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    machine, admin = plant
    stop(session, admin, machine, at(15, 22), at(16, 2))  # Sunday 22:00 -> Monday 02:00
    sunday = kpis(session, admin, machine, date(2026, 3, 15), date(2026, 3, 15))
    monday = kpis(session, admin, machine, date(2026, 3, 16), date(2026, 3, 16))
    assert sunday.unplanned_downtime_minutes == pytest.approx(120, abs=0.01)
    assert monday.unplanned_downtime_minutes == pytest.approx(120, abs=0.01)
    assert (sunday.episodes, monday.episodes) == (1, 0)
    assert sunday.mttr_minutes == pytest.approx(240, abs=0.01)
    assert monday.mttr_minutes is None and monday.mtbf_minutes is None


def test_recompute_on_reopen_edit_and_cancel(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    machine, admin = plant
    log_id = stop(session, admin, machine, at(10, 8), at(10, 9))
    with time_machine.travel(at(10, 10), tick=False):
        change(session, admin, log_id, status='in_progress', reason='jammed again')
    with time_machine.travel(at(10, 10, 30), tick=False):
        complete(session, admin, log_id)
    assert round(kpis(session, admin, machine, date(2026, 3, 10), date(2026, 3, 10)).unplanned_downtime_minutes) == 90
    with time_machine.travel(at(10, 12), tick=False):
        change(session, admin, log_id, start_time=at(10, 7, 45))
    assert round(kpis(session, admin, machine, date(2026, 3, 10), date(2026, 3, 10)).unplanned_downtime_minutes) == 105
    other = stop(session, admin, machine, at(11, 8), at(11, 9))
    with time_machine.travel(at(11, 9, 30), tick=False):
        change(session, admin, log_id=other, status='in_progress', reason='not fixed')
        change(session, admin, other, status='cancelled', reason='reported on the wrong machine')
    assert kpis(session, admin, machine, date(2026, 3, 11), date(2026, 3, 11)).unplanned_downtime_minutes == 0


def test_dst_day_has_23_hours(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    machine, admin = plant
    stop(session, admin, machine, at(29, 1, 30), at(29, 3, 30))
    row = kpis(session, admin, machine, date(2026, 3, 29), date(2026, 3, 29))
    assert row.window_minutes == pytest.approx(1380)
    assert row.unplanned_downtime_minutes == pytest.approx(60, abs=0.01)


def test_workflow_faults_stay_out_of_machine_kpis(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    machine, admin = plant
    rip = seeded_category(session, 'Workflow / RIP / files', 'RIP error')
    stop(session, admin, machine, at(10, 8), at(10, 9), category_id=rip.id)
    row = kpis(session, admin, machine, date(2026, 3, 10), date(2026, 3, 10))
    assert row.unplanned_downtime_minutes == 0 and row.problem_count == 0


def test_non_stopping_problem_counts_as_failure_without_downtime(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    machine, admin = plant
    stop(session, admin, machine, at(10, 8), at(10, 9), is_stopping=False)
    row = kpis(session, admin, machine, date(2026, 3, 10), date(2026, 3, 10))
    assert row.failure_count == 1
    assert row.unplanned_downtime_minutes == 0 and row.episodes == 0


def test_pareto_orders_subsystems_by_unplanned_minutes(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    machine, admin = plant
    jam = seeded_category(session, 'Plate loading / autoloader', 'Plate jam')
    laser = seeded_category(session, 'Imaging head / laser', 'Banding/streaks')
    stop(session, admin, machine, at(10, 8), at(10, 8, 10), category_id=jam.id)
    stop(session, admin, machine, at(10, 9), at(10, 9, 10), category_id=jam.id)
    stop(session, admin, machine, at(10, 12), at(10, 14), category_id=laser.id)
    causes = kpis(session, admin, machine, date(2026, 3, 10), date(2026, 3, 10)).top_causes
    assert [(c.subsystem, round(c.minutes), c.count) for c in causes] == [
        ('Imaging head / laser', 120, 1), ('Plate loading / autoloader', 20, 2)]


def test_plant_totals_add_up(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    machine, admin = plant
    second = make_machine(session, 'Agfa Avalon N8-90')
    stop(session, admin, machine, at(10, 8), at(10, 9))
    stop(session, admin, second, at(10, 8), at(10, 8, 30))
    start, end = calendar.local_day_bounds(date(2026, 3, 10))
    per = stats.machine_stats(session, actor=actor(admin), start=start, end=end, now=end)
    total = stats.plant_totals(per)
    assert total.unplanned_downtime_minutes == pytest.approx(90, abs=0.01)
    assert total.episodes == 2 and total.mttr_minutes == pytest.approx(45, abs=0.01)
    assert timedelta(minutes=total.window_minutes) == timedelta(days=2)


@pytest.mark.parametrize(('status', 'outside_shifts', 'headline_24_7'), [
    ('down', 60.0, True),  # down since 23:00: the shift figure has not moved while the card is red
    ('down', 0.0, False),  # down inside the shifts: the shift figure already shows it
    ('operational', 60.0, False),  # running again: the plant's headline figure, the shift one
])
def test_the_machine_pages_headline_availability_matches_the_cards_state(status: str, outside_shifts: float,
                                                                          headline_24_7: bool) -> None:
    total = stats.MachineStats(machine_id=1, window_minutes=1440, operating_minutes=960,
                               unplanned_downtime_minutes=outside_shifts + 30, unplanned_operating_downtime_minutes=30)
    assert stats.headline_is_24_7(total, status) is headline_24_7
