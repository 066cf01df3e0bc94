"""Counters become meter readings with resets handled; raw signals are purged after the retention; the ledger
of a machine comes from its stored signals."""
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select
from sqlmodel import Session

from app.models import JmfSignal, MeterReading, Role
from app.services.jmf import counters, ingest, links
from app.services.jmf.ledger import State, machine_ledger, totals
from app.services.jmf.messages import DeviceReport, Message
from tests.factories import actor, make_machine, make_user

T0 = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def post(session: Session, link_id: int, when: datetime, status: str = 'Running', *, plates: float | None = None,
         total: float | None = None, hours: float | None = None) -> None:
    info = DeviceReport(device_id='', status=status, status_details=(), device_condition='OK', sent_at=when,
                        production_counter=plates, total_counter=total, hour_counter=hours, counter_unit='Plate')
    with time_machine.travel(when, tick=False):
        ingest.ingest(session, link_id=link_id, message=Message('jmf', 'S', ('x',), (info,), 0), received_at=when)


@pytest.fixture
def linked(session: Session) -> tuple[int, int]:
    machine = make_machine(session)
    info, _ = links.create_link(session, actor=actor(make_user(session, 'boss', Role.ADMIN)),
                                machine_id=machine.id, sender_id='S')  # type: ignore[arg-type]
    return machine.id, info.id  # type: ignore[return-value]


@pytest.mark.parametrize(('previous', 'value', 'expected'), [(None, 500, 0), (100, 130, 30), (130, 130, 0),
                                                             (480, 12, 12), (480, 0, 0)])
def test_increase_counts_a_reset_from_zero(previous: float | None, value: float, expected: float) -> None:
    assert counters.increase(previous, value) == expected


def test_meter_readings_per_machine_with_a_job_counter_reset(session: Session, linked: tuple[int, int]) -> None:
    machine_id, link_id = linked
    post(session, link_id, at(0), plates=400, total=1_000_400, hours=18_000)
    post(session, link_id, at(1), plates=400, total=1_000_400, hours=18_000)   # unchanged: no reading
    post(session, link_id, at(60), plates=455, total=1_000_455, hours=18_001)
    post(session, link_id, at(120), plates=20, total=1_000_475, hours=18_002)  # new job: ProductionCounter reset
    summary = {m.meter: m for m in counters.meters(session, machine_id, at(0), at(180))}
    assert (summary['production'].value, summary['production'].increase) == (20, 75)
    assert (summary['total_production'].increase, summary['total_production'].unit) == (75, 'Plate')
    assert (summary['hours'].increase, summary['hours'].unit) == (2, 'h')
    assert session.exec(select(func.count()).select_from(MeterReading)).one()[0] == 9
    window = {m.meter: m.increase for m in counters.meters(session, machine_id, at(30), at(90))}
    assert window == {'production': 55, 'total_production': 55, 'hours': 1}


def test_the_ledger_of_a_machine_adds_up_to_calendar_time(session: Session, linked: tuple[int, int]) -> None:
    machine_id, link_id = linked
    for minute in range(0, 30):
        post(session, link_id, at(minute))
    post(session, link_id, at(30), 'Idle')
    ledger = machine_ledger(session, machine_id, at(0), at(60))
    assert [(i.state, i.seconds) for i in ledger] == [(State.PRODUCTION, 1800), (State.STANDBY, 300),
                                                      (State.NO_DATA, 1500)]
    assert sum(totals(ledger).values()) == 3600


def test_signals_older_than_the_retention_are_purged(session: Session, linked: tuple[int, int],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from app.config import get_settings
    monkeypatch.setenv('CTP_JMF_SIGNAL_RETENTION_DAYS', '30')
    get_settings.cache_clear()
    _, link_id = linked
    post(session, link_id, at(0), plates=1)
    post(session, link_id, at(0) + timedelta(days=20), plates=2)
    assert ingest.purge_signals(session, now=at(0) + timedelta(days=40)) == 1
    assert session.exec(select(func.count()).select_from(JmfSignal)).one()[0] == 1
    assert session.exec(select(func.count()).select_from(MeterReading)).one()[0] == 2  # readings outlive signals


def reading_rows(session: Session) -> list[tuple[str, datetime, float, float]]:
    return [(r.meter, r.at, r.value, r.delta) for r in session.exec(
        select(MeterReading).order_by(MeterReading.meter, MeterReading.at)).scalars()]


def day_increases(session: Session, machine_id: int, days: tuple[int, ...]) -> dict[int, dict[str, float]]:
    midnight = T0.replace(hour=0)
    return {day: {m.meter: m.increase for m in counters.meters(session, machine_id, midnight + timedelta(days=day),
                                                               midnight + timedelta(days=day + 1))} for day in days}


def test_readings_older_than_the_retention_become_one_per_meter_and_day(session: Session, linked: tuple[int, int],
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Storage per device stays bounded: a UTC day past the retention keeps its last reading of each meter, carrying
    the day's increase, so increases over whole days and the latest values are what they were."""
    from app.config import get_settings
    monkeypatch.setenv('CTP_JMF_SIGNAL_RETENTION_DAYS', '30')
    get_settings.cache_clear()
    machine_id, link_id = linked
    plates = 0
    for day, minutes in ((0, range(0, 600, 60)), (1, range(0, 300, 30)), (35, range(0, 120, 20))):
        for minute in minutes:
            plates += 7
            post(session, link_id, at(minute) + timedelta(days=day), plates=plates, hours=1000 + plates // 20)
    days = day_increases(session, machine_id, (0, 1, 35))
    latest = [(m.meter, m.value) for m in counters.meters(session, machine_id, T0, T0 + timedelta(days=40))]
    recent = [row for row in reading_rows(session) if row[1] >= T0 + timedelta(days=35)]
    assert len(reading_rows(session)) - len(recent) > 20
    day_4 = T0.replace(hour=0) + timedelta(days=4)
    assert ingest.compact_old_readings(session, now=T0 + timedelta(days=36), since=day_4) == day_4 + timedelta(days=2)
    assert len(reading_rows(session)) - len(recent) > 20  # days 4 and 5 only: the earlier days are left alone

    until = ingest.compact_old_readings(session, now=T0 + timedelta(days=36))  # a process's first pass: all days
    rows = reading_rows(session)
    assert sorted((meter, when.date()) for meter, when, _, _ in rows if when < T0 + timedelta(days=5)) == [
        ('hours', T0.date()), ('hours', T0.date() + timedelta(days=1)),
        ('production', T0.date()), ('production', T0.date() + timedelta(days=1))]
    assert day_increases(session, machine_id, (0, 1, 35)) == days
    assert [(m.meter, m.value) for m in counters.meters(session, machine_id, T0, T0 + timedelta(days=40))] == latest
    assert [row for row in rows if row[1] >= T0 + timedelta(days=35)] == recent
    assert until == day_4 + timedelta(days=2)
    ingest.compact_old_readings(session, now=T0 + timedelta(days=36))
    assert reading_rows(session) == rows  # a second pass changes nothing


def test_the_periodic_job_compacts_old_readings_and_keeps_where_it_got_to(session: Session, linked: tuple[int, int],
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from app import jobs
    monkeypatch.setattr(jobs, '_readings_compacted_until', None)  # a fresh process; restored after the test
    _, link_id = linked
    for minute in range(0, 300, 30):
        post(session, link_id, at(minute), plates=minute + 1)
    with time_machine.travel(T0 + timedelta(days=100), tick=False):  # past the 90-day default retention
        jobs.run_once()
        session.expire_all()
        assert [(meter, delta) for meter, _, _, delta in reading_rows(session)] == [('production', 270)]
        assert jobs._readings_compacted_until == (T0 + timedelta(days=10)).replace(hour=0)  # noqa: SLF001
