"""Issue 15: the downtime trend counts only a machine's life and the past (DOMAIN.md §5.15-16), like the other KPIs."""
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlmodel import Session

from app.models import Role
from app.services import calendar, stats
from tests.app.test_kpis import at, stop
from tests.factories import actor, make_machine, make_user

EARLY = datetime(2025, 1, 1, tzinfo=UTC)
MONDAYS = [date(2026, 3, 2) + timedelta(weeks=n) for n in range(5)]  # the last week lies after now
NOW = at(26, 12)


def _weeks() -> list[tuple[datetime, datetime]]:
    return [calendar.local_range_bounds(monday, monday + timedelta(days=6)) for monday in MONDAYS]


def _trend(session: Session, admin, machine_ids: list[int], **kwargs: object) -> list[float | None]:  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        return stats.downtime_trend(session, actor=actor(admin), buckets=_weeks(), machine_ids=machine_ids,
                                    **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def machines(session: Session):  # type: ignore[no-untyped-def]
    """One machine retired on Thu 12 Mar 08:30 in the middle of a stop, one created on Wed 18 Mar at noon."""
    admin = make_user(session, 'boss', Role.ADMIN)
    old = make_machine(session, 'Old Luxel', created_at=EARLY)
    new = make_machine(session, 'New Suprasetter', created_at=at(18, 12))
    stop(session, admin, old, at(3, 8), at(3, 9))        # week 1: 60 min
    stop(session, admin, old, at(12, 8), at(12, 9))      # week 2: 30 min of it before the retirement
    stop(session, admin, new, at(19, 10), at(19, 10, 45))  # week 3: 45 min
    stop(session, admin, new, at(24, 8), at(24, 9))      # week 4: 60 min
    old.retired_at = at(12, 8, 30)
    session.add(old)
    session.commit()
    return admin, old, new


@pytest.mark.parametrize('use_rollup', [True, False])
def test_trend_weeks_outside_a_machines_life_have_no_figure(session: Session, machines, use_rollup: bool) -> None:  # type: ignore[no-untyped-def]
    admin, old, new = machines
    retired = _trend(session, admin, [old.id], use_rollup=use_rollup)
    assert retired == [pytest.approx(60), pytest.approx(30), None, None, None]  # not [60, 60, 0, 0, 0]
    created = _trend(session, admin, [new.id], use_rollup=use_rollup)
    assert created == [None, None, pytest.approx(45), pytest.approx(60), None]  # not [0, 0, 45, 60, 0]


def test_plant_trend_sums_the_machines_alive_in_each_week(session: Session, machines) -> None:  # type: ignore[no-untyped-def]
    admin, old, new = machines
    assert _trend(session, admin, [old.id, new.id]) == [
        pytest.approx(60), pytest.approx(30), pytest.approx(45), pytest.approx(60), None]
    assert _trend(session, admin, [old.id, new.id], planned=None) == [
        pytest.approx(60), pytest.approx(30), pytest.approx(45), pytest.approx(60), None]
    assert _trend(session, admin, [old.id, new.id], planned=True) == [0, 0, 0, 0, None]


def test_trend_agrees_with_the_kpis_of_a_week_a_machine_retired_in(session: Session, machines) -> None:  # type: ignore[no-untyped-def]
    admin, old, _ = machines
    start, end = _weeks()[1]
    row = stats.machine_stats(session, actor=actor(admin), start=start, end=end, machine_ids=[old.id], now=NOW)
    assert row[old.id].unplanned_downtime_minutes == pytest.approx(_trend(session, admin, [old.id])[1])
