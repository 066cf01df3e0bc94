"""The problem lifecycle of DOMAIN.md §4: status, downtime, notifications, audit, conflicts."""
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select
from sqlmodel import Session

from app.errors import Conflict, InvalidInput
from app.models import CTPMachine, CTPNotification, DowntimeSegment, ProblemAudit, Role, utcnow
from app.models.schemas import ProblemLogCreate
from app.services import problem_logs, problem_queries
from app.services.downtime import derive_status
from tests.factories import actor, change, complete, make_machine, make_user, report, seeded_category


@pytest.fixture
def people(session: Session):  # type: ignore[no-untyped-def]
    machine = make_machine(session)
    tech = make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
    admin = make_user(session, 'boss', Role.ADMIN)
    manager = make_user(session, 'maria', Role.MANAGER)
    return machine, tech, admin, manager


def status_of(session: Session, machine: CTPMachine) -> str:
    session.expire_all()
    fresh = session.get(CTPMachine, machine.id)
    assert fresh is not None
    assert fresh.status == derive_status(session, fresh)  # the stored status always equals the derived one
    return fresh.status


def test_report_turns_machine_down_and_notifies_everyone_in_scope_but_the_reporter(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    machine, tech, admin, manager = people
    log_id = report(session, tech, machine)
    assert status_of(session, machine) == 'down'
    recipients = set(session.exec(select(CTPNotification.user_id).where(CTPNotification.log_id == log_id)).scalars())
    assert recipients == {admin.id, manager.id}
    assert session.exec(select(DowntimeSegment).where(DowntimeSegment.log_id == log_id)).first() is not None


@pytest.mark.parametrize(('stopping', 'planned', 'expected'), [
    (True, False, 'down'), (True, True, 'maintenance'), (False, False, 'degraded'), (False, True, 'degraded')])
def test_status_is_derived_from_open_problems(session: Session, people, stopping: bool, planned: bool,  # type: ignore[no-untyped-def]
                                              expected: str) -> None:
    machine, tech, *_ = people
    report(session, tech, machine, is_stopping=stopping, is_planned=planned)
    assert status_of(session, machine) == expected


def test_down_wins_over_maintenance_and_degraded(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    machine, tech, *_ = people
    report(session, tech, machine, is_stopping=False)
    report(session, tech, machine, is_stopping=True, is_planned=True)
    assert status_of(session, machine) == 'maintenance'
    log_id = report(session, tech, machine)
    assert status_of(session, machine) == 'down'
    complete(session, tech, log_id)
    assert status_of(session, machine) == 'maintenance'


def test_complete_computes_downtime_to_the_minute_and_notifies_resolution(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    machine, tech, admin, manager = people
    start = utcnow() - timedelta(minutes=75, seconds=20)
    log_id = report(session, tech, machine, start=start)
    complete(session, tech, log_id, end=start + timedelta(minutes=72, seconds=40))
    detail = problem_queries.get_problem(session, actor=actor(admin), log_id=log_id)
    assert detail.status == 'completed' and detail.downtime_minutes == 73
    assert detail.acknowledged_at >= detail.created_at  # straight from open to completed: recorded now (§4)
    assert detail.acknowledged_at > detail.end_time  # never the back-dated end
    assert status_of(session, machine) == 'operational'
    kinds = session.exec(select(CTPNotification.notification_type).where(
        CTPNotification.log_id == log_id, CTPNotification.user_id == manager.id)).scalars().all()
    assert sorted(kinds) == ['problem_created', 'problem_resolved']


def test_complete_needs_solution_and_resolver(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    machine, tech, *_ = people
    log_id = report(session, tech, machine)
    with pytest.raises(InvalidInput, match='solution'):
        change(session, tech, log_id, status='completed', resolved_by='operator')
    with pytest.raises(InvalidInput, match='resolved_by'):
        change(session, tech, log_id, status='completed', solution='Cleared')
    assert status_of(session, machine) == 'down'


def test_illegal_transition_and_stale_version_are_conflicts(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    machine, tech, *_ = people
    log_id = report(session, tech, machine)
    complete(session, tech, log_id)
    with pytest.raises(Conflict):
        change(session, tech, log_id, status='cancelled', reason='oops')
    with pytest.raises(Conflict):
        change(session, tech, log_id, status='open')
    current = problem_queries.get_problem(session, actor=actor(tech), log_id=log_id).version
    change(session, tech, log_id, problem_description='Plate jam at the cassette', version=current)
    with pytest.raises(Conflict, match='changed by someone else'):
        change(session, tech, log_id, problem_description='lost update', version=current)


def test_every_change_leaves_an_audit_entry(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    machine, tech, admin, _ = people
    log_id = report(session, tech, machine)
    change(session, tech, log_id, problem_description='Double pick', plates_lost=3)
    change(session, admin, log_id, status='in_progress')
    rows = session.exec(select(ProblemAudit).where(ProblemAudit.log_id == log_id).order_by(ProblemAudit.id)).scalars()
    trail = [(r.action, r.field, r.old, r.new) for r in rows]
    assert trail == [('create', None, None, None), ('update', 'problem_description', 'Plate jam', 'Double pick'),
                     ('update', 'plates_lost', '0', '3'), ('acknowledge', 'status', 'open', 'in_progress')]


def test_cancel_voids_downtime_and_tells_those_who_were_told(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    machine, tech, admin, manager = people
    log_id = report(session, tech, machine)
    with pytest.raises(InvalidInput, match='reason'):
        change(session, tech, log_id, status='cancelled')
    change(session, tech, log_id, status='cancelled', reason='wrong machine')
    assert status_of(session, machine) == 'operational'
    assert session.exec(select(func.count()).select_from(DowntimeSegment)).one()[0] == 0
    told = set(session.exec(select(CTPNotification.user_id).where(
        CTPNotification.notification_type == 'problem_cancelled')).scalars())
    assert told == {admin.id, manager.id}


def test_reopen_starts_a_new_segment_or_continues_when_it_never_ran(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    machine, tech, *_ = people
    start = utcnow() - timedelta(hours=3)
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        log_id = report(session, tech, machine, start=start)
        complete(session, tech, log_id)
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        with pytest.raises(InvalidInput):
            change(session, tech, log_id, status='in_progress')
        change(session, tech, log_id, status='in_progress', reason='still jams', never_ran=True)
    with time_machine.travel(start + timedelta(hours=3), tick=False):
        complete(session, tech, log_id)
        detail = problem_queries.get_problem(session, actor=actor(tech), log_id=log_id)
    assert detail.downtime_minutes == 180


def test_replayed_client_key_returns_the_original_and_a_different_body_conflicts(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    machine, tech, *_ = people
    body = ProblemLogCreate(machine_id=machine.id, problem_description='Jam', client_key='tablet-1-abcdef')  # type: ignore[arg-type]
    first = problem_logs.report_problem(session, actor=actor(tech), problem_in=body)
    again = problem_logs.report_problem(session, actor=actor(tech), problem_in=body)
    assert first.created and not again.created and again.log.id == first.log.id
    with pytest.raises(Conflict):
        problem_logs.report_problem(session, actor=actor(tech), problem_in=body.model_copy(
            update={'problem_description': 'Other'}))


def test_bad_times_are_refused(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    machine, tech, *_ = people
    with pytest.raises(InvalidInput, match='future'):
        report(session, tech, machine, start=utcnow() + timedelta(hours=1))
    log_id = report(session, tech, machine, start=utcnow() - timedelta(hours=1))
    with pytest.raises(InvalidInput, match='before start_time'):
        complete(session, tech, log_id, end=utcnow() - timedelta(hours=2))
    with pytest.raises(InvalidInput, match='vendor_called_at'):
        change(session, tech, log_id, vendor_arrived_at=utcnow())


def test_retired_machine_takes_no_new_problems(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    from app.models.schemas import MachineUpdate
    from app.services import machines
    machine, tech, admin, _ = people
    machines.update_machine(session, actor=actor(admin), machine_id=machine.id, changes=MachineUpdate(retired=True))  # type: ignore[arg-type]
    assert status_of(session, machine) == 'retired'
    with pytest.raises(Conflict, match='retired'):
        report(session, admin, machine)


def test_planned_default_comes_from_the_category(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    machine, tech, *_ = people
    clean = seeded_category(session, 'Planned maintenance', 'Filter change')
    report(session, tech, machine, category_id=clean.id)
    assert status_of(session, machine) == 'maintenance'


def test_delete_hides_the_problem_and_keeps_its_audit(session: Session, people) -> None:  # type: ignore[no-untyped-def]
    from app.errors import NotFound
    machine, tech, admin, _ = people
    log_id = report(session, tech, machine)
    problem_logs.delete_problem(session, actor=actor(admin), log_id=log_id)
    assert status_of(session, machine) == 'operational'
    with pytest.raises(NotFound):
        problem_queries.get_problem(session, actor=actor(admin), log_id=log_id)
    actions = session.exec(select(ProblemAudit.action).where(ProblemAudit.log_id == log_id)).scalars().all()
    assert actions[-1] == 'delete'
