"""Stops without typing: machine failures open an unexplained stop problem at the signal's time, Running ends the
downtime at the signal's time, short stops are micro-stops, a person's report joins the machine's stop, and a
reason can be given later (pre-chosen from the details)."""
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select
from sqlmodel import Session

from app import events
from app.db import read_session
from app.errors import Conflict, NotFound, PermissionDenied
from app.models import CTPMachine, CTPProblemLog, JmfSignal, MachineStop, Role
from app.services import downtime
from app.services.jmf import ingest, links, stops
from app.services.jmf.messages import DeviceReport, Message
from tests.factories import actor, make_machine, make_user, report, seeded_category

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def signal(session: Session, link_id: int, status: str, when: datetime, *details: str, condition: str = '',
           received: datetime | None = None) -> ingest.IngestResult:
    info = DeviceReport(device_id='', status=status, status_details=details, device_condition=condition,
                        sent_at=when, production_counter=None, total_counter=None, hour_counter=None, counter_unit='')
    received = received or when
    with time_machine.travel(received, tick=False):
        return ingest.ingest(session, link_id=link_id, message=Message('jmf', 'MAGNUS', ('S',), (info,), 0),
                             received_at=received)


@pytest.fixture
def plant(session: Session) -> tuple[CTPMachine, int]:
    machine = make_machine(session)
    admin = make_user(session, 'boss', Role.ADMIN)
    info, _ = links.create_link(session, actor=actor(admin), machine_id=machine.id, sender_id='MAGNUS')  # type: ignore[arg-type]
    return machine, info.id


def problems(session: Session) -> list[CTPProblemLog]:
    session.expire_all()
    return list(session.exec(select(CTPProblemLog).where(CTPProblemLog.deleted_at.is_(None))).scalars())


def test_down_opens_an_unexplained_stop_at_the_signal_time_and_running_ends_it(
        session: Session, plant: tuple[CTPMachine, int]) -> None:
    machine, link = plant
    published: list[tuple[str, int]] = []
    signal(session, link, 'Running', at(0))
    events.add_forwarder(lambda name, value: published.append((name, value)))
    signal(session, link, 'Down', at(1), 'BreakDown', condition='Failure', received=at(1.01))
    assert ('machine_changed', machine.id) in published  # every screen turns red through the usual events
    [log] = problems(session)
    assert (log.start_time, log.status, log.is_stopping, log.is_planned) == (at(1), 'open', True, False)
    assert 'Down BreakDown' in log.problem_description and log.created_by is None
    assert session.get(CTPMachine, machine.id).status == 'down'  # type: ignore[union-attr]
    signal(session, link, 'Running', at(43))
    [log] = problems(session)
    assert (log.status, log.end_time, log.resolved_by) == ('completed', at(43), 'operator')
    assert downtime.downtime_seconds(session, log.id) == 42 * 60  # type: ignore[arg-type]
    assert session.get(CTPMachine, machine.id).status == 'operational'  # type: ignore[union-attr]
    stop = session.exec(select(MachineStop)).scalars().one()
    assert (stop.started_at, stop.ended_at, stop.kind, stop.explained_at) == (at(1), at(43), 'stop', None)


@pytest.mark.parametrize(('status', 'details', 'condition'), [
    ('Stopped', ('PaperJam',), 'NeedsAttention'), ('Stopped', ('CoverOpen',), ''), ('Stopped', ('DoorOpen',), ''),
    ('Stopped', ('MissResources',), ''), ('Stopped', ('Failure',), ''), ('Stopped', (), 'Failure'),
    ('Down', ('Repair',), ''), ('Offline', (), '')])
def test_failures_open_a_stop(session: Session, plant: tuple[CTPMachine, int], status: str,
                              details: tuple[str, ...], condition: str) -> None:
    signal(session, plant[1], status, at(0), *details, condition=condition)
    assert len(problems(session)) == 1


@pytest.mark.parametrize(('status', 'details'), [('Stopped', ('Maintenance',)), ('Stopped', ('Pause',)),
                                                 ('Idle', ()), ('Setup', ('WarmingUp',)), ('Unknown', ())])
def test_planned_stops_and_other_states_open_nothing(session: Session, plant: tuple[CTPMachine, int],
                                                     status: str, details: tuple[str, ...]) -> None:
    signal(session, plant[1], status, at(0), *details)
    assert problems(session) == []
    assert session.exec(select(JmfSignal.state)).scalars().one() in ('stopped', 'standby', 'setup', 'no_data')


def test_repeated_failure_signals_keep_one_stop_and_silence_does_not_end_it(
        session: Session, plant: tuple[CTPMachine, int]) -> None:
    for minute in (0, 1, 2):
        signal(session, plant[1], 'Down', at(minute), 'BreakDown')
    signal(session, plant[1], 'Unknown', at(30))
    [log] = problems(session)
    assert log.status == 'open'


def test_a_short_stop_is_a_counted_micro_stop_not_a_problem(session: Session, plant: tuple[CTPMachine, int]) -> None:
    machine, link = plant
    signal(session, link, 'Stopped', at(0), 'PaperJam')
    signal(session, link, 'Running', at(0.5))
    assert problems(session) == []
    assert session.get(CTPMachine, machine.id).status == 'operational'  # type: ignore[union-attr]
    assert stops.micro_stop_count(session, machine.id, at(-1), at(1)) == 1  # type: ignore[arg-type]
    assert stops.list_stops(session, actor=actor(make_user(session, 'boss2', Role.ADMIN)), unexplained_only=True) == []


def test_a_late_signal_feeds_the_ledger_only(session: Session, plant: tuple[CTPMachine, int]) -> None:
    signal(session, plant[1], 'Running', at(10))
    result = signal(session, plant[1], 'Down', at(8), 'BreakDown', received=at(10.1))  # within the skew limit
    assert (result.stored, result.late) == (1, 1)
    assert problems(session) == []


def test_a_retried_message_is_stored_once(session: Session, plant: tuple[CTPMachine, int]) -> None:
    signal(session, plant[1], 'Down', at(0), 'BreakDown')
    again = signal(session, plant[1], 'Down', at(0), 'BreakDown', received=at(0.2))
    assert (again.stored, again.duplicates) == (0, 1)
    assert len(session.exec(select(JmfSignal)).scalars().all()) == 1 and len(problems(session)) == 1


def test_a_persons_report_during_a_machine_stop_joins_it(session: Session, plant: tuple[CTPMachine, int]) -> None:
    machine, link = plant
    tech = make_user(session, 'tech', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
    jam = seeded_category(session, 'Plate loading / autoloader', 'Plate jam')
    signal(session, link, 'Stopped', at(0), 'PaperJam')
    with time_machine.travel(at(3), tick=False):
        joined = report(session, tech, machine, description='Plate stuck in cassette 2', category_id=jam.id)
    [log] = problems(session)
    assert joined == log.id and log.category_id == jam.id and log.start_time == at(0)
    assert log.problem_description.startswith('Plate stuck in cassette 2')
    assert session.exec(select(MachineStop)).scalars().one().explained_by == tech.id
    with time_machine.travel(at(4), tick=False):
        report(session, tech, machine, description='Processor gum low', is_stopping=False)
    assert len(problems(session)) == 2  # a non-stopping report is its own problem


def test_a_reason_is_given_later_with_the_category_pre_chosen(session: Session, plant: tuple[CTPMachine, int]) -> None:
    machine, link = plant
    jam = seeded_category(session, 'Plate loading / autoloader', 'Plate jam')
    tech = make_user(session, 'tech', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
    outsider = make_user(session, 'other', Role.CTP_USER)
    manager = make_user(session, 'manager', Role.MANAGER)
    signal(session, link, 'Stopped', at(0), 'PaperJam')
    signal(session, link, 'Running', at(12))
    [stop] = stops.list_stops(session, actor=actor(tech), unexplained_only=True)
    assert (stop.suggested_category_id, stop.suggested_category) == (jam.id, 'Plate loading / autoloader – Plate jam')
    with pytest.raises(NotFound):
        stops.explain_stop(session, actor=actor(outsider), stop_id=stop.id)
    with pytest.raises(PermissionDenied):
        stops.explain_stop(session, actor=actor(manager), stop_id=stop.id)
    with time_machine.travel(at(20), tick=False):
        stops.explain_stop(session, actor=actor(tech), stop_id=stop.id, note='Slip sheet caught')
    [log] = problems(session)
    assert log.category_id == jam.id and log.problem_description.startswith('Slip sheet caught')
    assert (log.status, log.end_time) == ('completed', at(12))
    assert stops.list_stops(session, actor=actor(tech), unexplained_only=True) == []


def test_a_micro_stop_cannot_be_explained(session: Session, plant: tuple[CTPMachine, int]) -> None:
    signal(session, plant[1], 'Down', at(0))
    signal(session, plant[1], 'Idle', at(0.2))
    stop = session.exec(select(MachineStop)).scalars().one()
    with pytest.raises(Conflict):
        stops.explain_stop(session, actor=actor(make_user(session, 'boss2', Role.ADMIN)), stop_id=stop.id)  # type: ignore[arg-type]


def test_a_machine_reported_problem_is_the_teams_to_edit(session: Session, plant: tuple[CTPMachine, int]) -> None:
    """No person reported it, so the report belongs to whoever works the machine's problems (access.py): they edit
    it through the ordinary path and see Edit on its page; a colleague's report stays the colleague's."""
    from app.models.schemas import ProblemLogUpdate
    from app.services import problem_logs
    from app.services.access import Ability, problem_abilities
    machine, link = plant
    tech = make_user(session, 'tech', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
    manager = make_user(session, 'manager', Role.MANAGER)
    signal(session, link, 'Down', at(0), 'BreakDown')
    [log] = problems(session)
    assert problem_abilities(actor(tech), log, now=at(1))[Ability.EDIT] is None
    problem_logs.update_problem(session, actor=actor(tech), log_id=log.id,  # type: ignore[arg-type]
                                changes=ProblemLogUpdate(problem_description='Drum motor overheated'))
    assert problems(session)[0].problem_description == 'Drum motor overheated'
    with pytest.raises(PermissionDenied):
        problem_logs.update_problem(session, actor=actor(manager), log_id=log.id,  # type: ignore[arg-type]
                                    changes=ProblemLogUpdate(problem_description='not theirs'))


def test_screens_told_of_a_machine_stop_find_it(session: Session, plant: tuple[CTPMachine, int]) -> None:
    """The receiver ingests in a worker thread and screens re-read at once: the last news of the machine comes
    after its stop is committed, or the tablets never ask why (the problem's own news goes out before)."""
    machine, link_id = plant
    seen: list[int] = []

    def reread(name: str, machine_id: int) -> None:
        if name == 'machine_changed' and machine_id == machine.id:
            with read_session() as fresh:
                seen.append(len(fresh.exec(select(MachineStop)).scalars().all()))

    events.add_forwarder(reread)  # tests/conftest.py clears the forwarders after each test
    signal(session, link_id, 'Down', at(0), 'BreakDown')
    assert seen and seen[-1] == 1
