"""Issue 15, defects 1-6: the data that showed each one, with the numbers DOMAIN.md §4/§5 now require."""
from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlmodel import Session

from app.errors import InvalidInput
from app.models import CTPProblemLog, Role
from app.services import calendar, calendar_admin, downtime, stats
from tests.app.test_kpis import at, kpis, stop
from tests.factories import actor, change, complete, make_machine, make_user, report

EARLY = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture
def plant(session: Session):  # type: ignore[no-untyped-def]
    return make_machine(session, created_at=EARLY), make_user(session, 'boss', Role.ADMIN)


def test_direct_completion_acknowledges_at_the_recording_time_never_before_the_report(session: Session,
                                                                                      plant) -> None:  # type: ignore[no-untyped-def]
    machine, admin = plant
    with time_machine.travel(at(10, 12), tick=False):  # reported at noon, back-dated to 08:00, fixed 09:00
        log_id = report(session, admin, machine, start=at(10, 8))
    with time_machine.travel(at(10, 12, 5), tick=False):
        complete(session, admin, log_id, end=at(10, 9))
    log = session.get(CTPProblemLog, log_id)
    assert log is not None and log.acknowledged_at == at(10, 12, 5)
    assert kpis(session, admin, machine, date(2026, 3, 10), date(2026, 3, 10)).mtta_minutes == pytest.approx(5)
    with time_machine.travel(at(10, 13), tick=False):  # editing the times never moves the acknowledgement
        change(session, admin, log_id, start_time=at(10, 7), end_time=at(10, 8))
    session.refresh(log)
    assert log.acknowledged_at == at(10, 12, 5)


def _reopened(session: Session, admin, machine, reopen: datetime) -> int:  # type: ignore[no-untyped-def]
    log_id = stop(session, admin, machine, at(20, 8), at(20, 9))
    with time_machine.travel(reopen, tick=False):
        change(session, admin, log_id, status='in_progress', reason='jammed again')
    return log_id


def test_completing_a_reopened_problem_before_its_reopen_is_refused(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    machine, admin = plant
    reopen = datetime(2026, 12, 2, 10, tzinfo=UTC)
    log_id = _reopened(session, admin, machine, reopen)
    with time_machine.travel(reopen.replace(hour=11), tick=False):
        with pytest.raises(InvalidInput) as refused:
            complete(session, admin, log_id, end=at(20, 9, 30))
    assert refused.value.field == 'end_time'
    session.rollback()
    assert round(downtime.downtime_seconds(session, log_id, reopen.replace(hour=11)) / 60) == 60 + 60


def test_editing_a_reopened_problem_into_inverted_segments_is_refused(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    machine, admin = plant
    log_id = _reopened(session, admin, machine, at(20, 10))
    with time_machine.travel(at(20, 10, 30), tick=False):
        complete(session, admin, log_id)
    with time_machine.travel(at(20, 12), tick=False):
        with pytest.raises(InvalidInput) as end_back:  # the end moved back into the first segment
            change(session, admin, log_id, end_time=at(20, 8, 30))
        session.rollback()
        with pytest.raises(InvalidInput) as start_after:  # the start moved after the first segment's end
            change(session, admin, log_id, start_time=at(20, 9, 15))
        session.rollback()
    assert (end_back.value.field, start_after.value.field) == ('end_time', 'start_time')
    row = kpis(session, admin, machine, date(2026, 3, 20), date(2026, 3, 20))
    assert round(row.unplanned_downtime_minutes) == 90


def test_toggling_stopping_off_and_on_keeps_the_segment_history(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    machine, admin = plant
    log_id = _reopened(session, admin, machine, at(20, 10))
    with time_machine.travel(at(20, 10, 30), tick=False):
        complete(session, admin, log_id)
    with time_machine.travel(at(21, 9), tick=False):
        change(session, admin, log_id, is_stopping=False)
        assert round(kpis(session, admin, machine, date(2026, 3, 20), date(2026, 3, 20))
                     .unplanned_downtime_minutes) == 0
        change(session, admin, log_id, is_stopping=True)
    row = kpis(session, admin, machine, date(2026, 3, 20), date(2026, 3, 20))
    assert round(row.unplanned_downtime_minutes) == 90
    log = session.get(CTPProblemLog, log_id)
    assert log is not None and log.downtime_minutes == 90


def test_plant_mtta_and_vendor_response_are_means_over_events(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    first, admin = plant
    second = make_machine(session, 'Agfa Avalon N8-90', created_at=EARLY)
    for hour in (8, 10, 12):  # three problems on the first machine, one acknowledged after 30 min
        with time_machine.travel(at(10, hour), tick=False):
            log_id = report(session, admin, first, start=at(10, hour), is_stopping=False)
        if hour == 8:
            with time_machine.travel(at(10, hour, 30), tick=False):
                change(session, admin, log_id, status='in_progress', vendor_called_at=at(10, hour, 30))
            with time_machine.travel(at(10, hour + 1), tick=False):
                change(session, admin, log_id, vendor_arrived_at=at(10, hour + 1))
    for hour in (8, 10):  # two on the second, each acknowledged after 6 min, the vendor there in 2 h
        with time_machine.travel(at(10, hour), tick=False):
            log_id = report(session, admin, second, start=at(10, hour), is_stopping=False)
        with time_machine.travel(at(10, hour, 6), tick=False):
            change(session, admin, log_id, status='in_progress', vendor_called_at=at(10, hour, 6))
        with time_machine.travel(at(10, hour + 2, 6), tick=False):
            change(session, admin, log_id, vendor_arrived_at=at(10, hour + 2, 6))
    start, end = calendar.local_day_bounds(date(2026, 3, 10))
    total = stats.plant_totals(stats.machine_stats(session, actor=actor(admin), start=start, end=end, now=end))
    assert total.mtta_minutes == pytest.approx((30 + 6 + 6) / 3)  # not (30 * 3 + 6 * 2) / 5 = 20.4
    assert total.vendor_response_minutes == pytest.approx((30 + 120 + 120) / 3)  # not 66
    assert (total.ack_count, total.vendor_count) == (3, 3)


def test_retired_and_not_yet_created_machines_get_no_kpis(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    machine, admin = plant
    retired = make_machine(session, 'Old Luxel', created_at=EARLY, retired_at=at(5, 0))
    later = make_machine(session, 'New Suprasetter', created_at=at(20, 12))
    stop(session, admin, machine, at(10, 8), at(10, 9))
    start, end = calendar.local_range_bounds(date(2026, 3, 10), date(2026, 3, 17))
    per = stats.machine_stats(session, actor=actor(admin), start=start, end=end, now=end)
    assert per[retired.id].window_minutes == 0 and per[retired.id].availability_24_7 is None  # type: ignore[index]
    assert per[later.id].window_minutes == 0 and per[later.id].mtbf_minutes is None  # type: ignore[index]
    assert not per[retired.id].counted and not per[later.id].counted  # type: ignore[index]
    total = stats.plant_totals(per)
    assert total.window_minutes == pytest.approx(8 * 1440)  # one machine's window, not three
    assert total.availability_24_7 == pytest.approx(1 - 60 / (8 * 1440))
    part = stats.machine_stats(session, actor=actor(admin), start=start, end=calendar.local_day_bounds(
        date(2026, 3, 25))[1], now=calendar.local_day_bounds(date(2026, 3, 25))[1], machine_ids=[later.id])
    assert part[later.id].window_minutes == pytest.approx(5.5 * 1440)  # type: ignore[index]  # from 20 Mar 12:00


def test_windows_are_cut_at_now(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    machine, admin = plant
    with time_machine.travel(at(2, 8, month=12), tick=False):
        report(session, admin, machine, start=at(2, 8, month=12))
        start, end = calendar.local_range_bounds(date(2026, 12, 3), date(2026, 12, 5))
        future = stats.machine_stats(session, actor=actor(admin), start=start, end=end)[machine.id]  # type: ignore[index]
        start, end = calendar.local_day_bounds(date(2026, 12, 2))
        today = stats.machine_stats(session, actor=actor(admin), start=start, end=end)[machine.id]  # type: ignore[index]
    assert future.window_minutes == 0 and future.availability_24_7 is None and future.availability is None
    assert today.window_minutes == pytest.approx(8 * 60)  # so far: midnight to 08:00 local
    assert today.availability_24_7 == pytest.approx(1.0)
    with time_machine.travel(at(2, 10, month=12), tick=False):
        today = stats.machine_stats(session, actor=actor(admin), start=start, end=end)[machine.id]  # type: ignore[index]
    assert today.availability_24_7 == pytest.approx(1 - 120 / 600)  # not 1 - 120 / 1440


def test_mtbf_with_zero_operating_time_is_no_figure(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    machine, admin = plant
    calendar_admin.set_weekly_windows(session, actor=actor(admin), windows=[(d, 360, 1320) for d in range(5)])
    stop(session, admin, machine, at(14, 10), at(14, 11))  # Saturday: no shift
    row = kpis(session, admin, machine, date(2026, 3, 14), date(2026, 3, 14))
    assert row.episodes == 1 and row.operating_minutes == 0
    assert row.mtbf_minutes is None  # "—", not 0
