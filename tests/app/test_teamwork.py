"""Team work on a problem (DOMAIN.md §4): the shift takes, hands over, comments, completes and reopens a problem
someone else reported; the report itself stays the reporter's (or an admin's); the reporter may undo for 2 min."""
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select
from sqlmodel import Session

from app.errors import Conflict, InvalidInput, PermissionDenied
from app.models import CTPNotification, CTPProblemLog, ProblemAudit, Role, utcnow
from app.models.schemas import CommentCreate
from app.services import comments, machines, notifications, problem_logs, problem_queries
from app.services.access import Ability, problem_abilities
from tests.factories import actor, change, complete, make_machine, make_user, report


@pytest.fixture
def shift(session: Session):  # type: ignore[no-untyped-def]
    platerite, other = make_machine(session, 'PlateRite'), make_machine(session, 'Avalon')
    day = make_user(session, 'tech1', Role.CTP_USER, [platerite.id])  # type: ignore[list-item]
    night = make_user(session, 'tech2', Role.CTP_USER, [platerite.id])  # type: ignore[list-item]
    stranger = make_user(session, 'tech3', Role.CTP_USER, [other.id])  # type: ignore[list-item]
    manager = make_user(session, 'maria', Role.MANAGER)
    return platerite, day, night, stranger, manager


def trail(session: Session, log_id: int) -> list[tuple[str | None, str, str | None, str | None]]:
    rows = session.exec(select(ProblemAudit).where(ProblemAudit.log_id == log_id).order_by(ProblemAudit.id))
    return [(row.actor_id and str(row.actor_id), row.action, row.field, row.new) for row in rows.scalars()]


def test_the_night_shift_takes_comments_and_completes_what_the_day_shift_reported(session: Session, shift) -> None:  # type: ignore[no-untyped-def]
    platerite, day, night, *_ = shift
    log_id = report(session, day, platerite, description='Plate jam in the autoloader')
    change(session, night, log_id, status='in_progress')
    comments.add_comment(session, actor=actor(night), log_id=log_id, comment_in=CommentCreate(body='Belt worn'))
    change(session, night, log_id, vendor_called_at=utcnow(), vendor_ticket='K-77')
    complete(session, night, log_id, solution='New pick-up belt')
    told = session.exec(select(CTPNotification.message).where(CTPNotification.user_id == day.id)).scalars().all()
    assert notifications.message_text(told[-1]) == 'PlateRite: problem resolved · machine RUNNING'  # the state now
    change(session, night, log_id, status='in_progress', reason='jams again')
    detail = problem_queries.get_problem(session, actor=actor(day), log_id=log_id)
    assert detail.status == 'in_progress' and detail.acknowledged_by == night.id
    actions = [(who, action) for who, action, *_ in trail(session, log_id)]
    assert (str(night.id), 'acknowledge') in actions and (str(night.id), 'comment') in actions
    assert (str(night.id), 'complete') in actions and (str(night.id), 'reopen') in actions
    assert [c.body for c in comments.list_comments(session, actor=actor(day), log_id=log_id)] == ['Belt worn']


def test_the_report_itself_stays_with_the_reporter_and_admins(session: Session, shift) -> None:  # type: ignore[no-untyped-def]
    platerite, day, night, *_ = shift
    log_id = report(session, day, platerite)
    for edit in ({'problem_description': 'not mine'}, {'is_stopping': False}, {'start_time': utcnow()},
                 {'status': 'cancelled', 'reason': 'not mine'}):
        with pytest.raises(PermissionDenied, match='only the reporter or an admin'):
            change(session, night, log_id, **edit)
    with pytest.raises(PermissionDenied, match='only the reporter or an admin can edit the report'):
        change(session, night, log_id, problem_description='x', status='in_progress')  # nothing half-done
    assert session.get(CTPProblemLog, log_id).status == 'open'  # type: ignore[union-attr]


def test_outside_the_machine_or_read_only_nobody_works_the_problem(session: Session, shift) -> None:  # type: ignore[no-untyped-def]
    from app.errors import NotFound
    platerite, day, _, stranger, manager = shift
    log_id = report(session, day, platerite)
    with pytest.raises(NotFound):
        change(session, stranger, log_id, status='in_progress')
    with pytest.raises(NotFound):
        comments.add_comment(session, actor=actor(stranger), log_id=log_id, comment_in=CommentCreate(body='hi'))
    with pytest.raises(PermissionDenied):
        comments.add_comment(session, actor=actor(manager), log_id=log_id, comment_in=CommentCreate(body='hi'))
    with pytest.raises(PermissionDenied):
        change(session, manager, log_id, status='in_progress')


def test_hand_over_to_a_colleague_assigned_to_the_machine(session: Session, shift) -> None:  # type: ignore[no-untyped-def]
    platerite, day, night, stranger, manager = shift
    log_id = report(session, day, platerite)
    with pytest.raises(Conflict, match='take it first'):
        change(session, day, log_id, owner_id=night.id)
    change(session, day, log_id, status='in_progress')
    for wrong in (stranger, manager):
        with pytest.raises(InvalidInput, match='assigned to this machine'):
            change(session, day, log_id, owner_id=wrong.id)
    change(session, day, log_id, owner_id=night.id)
    assert session.get(CTPProblemLog, log_id).acknowledged_by == night.id  # type: ignore[union-attr]
    assert (str(day.id), 'hand_over', 'owner', 'Tech2') in trail(session, log_id)
    told = session.exec(select(CTPNotification).where(CTPNotification.user_id == night.id,
                                                      CTPNotification.log_id == log_id)).scalars().all()
    assert notifications.message_text([n.message for n in told][-1]) == f'PlateRite: Tech1 handed you problem #{log_id}'
    [tile] = [m for m in machines.list_machines(session, actor=actor(manager)) if m.id == platerite.id]
    assert tile.open_problem.acknowledged_by_name == 'Tech2'  # type: ignore[union-attr]  # the wall's "who has it"


def test_abilities_say_what_the_user_may_do_and_why_not(session: Session, shift) -> None:  # type: ignore[no-untyped-def]
    platerite, day, night, _, manager = shift
    log = session.get(CTPProblemLog, report(session, day, platerite))
    now = utcnow()
    mine = problem_abilities(actor(day), log, now=now)  # type: ignore[arg-type]
    theirs = problem_abilities(actor(night), log, now=now)  # type: ignore[arg-type]
    assert mine[Ability.EDIT] is None and mine[Ability.UNDO] is None and Ability.REOPEN not in mine
    assert theirs[Ability.TAKE] is None and theirs[Ability.COMMENT] is None and theirs[Ability.COMPLETE] is None
    assert theirs[Ability.EDIT] == 'only the reporter or an admin can edit the report'
    assert theirs[Ability.CANCEL] == 'only the reporter or an admin can cancel this problem'
    assert Ability.UNDO not in theirs and Ability.DELETE not in theirs
    assert problem_abilities(actor(manager), log, now=now) == {}  # type: ignore[arg-type]
    assert Ability.UNDO not in problem_abilities(actor(day), log, now=now + timedelta(minutes=3))  # type: ignore[arg-type]


def test_the_reporter_undoes_a_report_within_two_minutes(session: Session, shift) -> None:  # type: ignore[no-untyped-def]
    platerite, day, night, *_ = shift
    start = utcnow()
    with time_machine.travel(start, tick=False):
        undone = report(session, day, platerite, description='tapped by mistake')
        late = report(session, day, platerite, description='real one')
        with pytest.raises(PermissionDenied, match='only the reporter'):
            problem_logs.undo_report(session, actor=actor(night), log_id=undone)
        problem_logs.undo_report(session, actor=actor(day), log_id=undone)
    with time_machine.travel(start + timedelta(minutes=2, seconds=1), tick=False), \
            pytest.raises(Conflict, match='first 2 minutes'):
        problem_logs.undo_report(session, actor=actor(day), log_id=late)
    log = session.get(CTPProblemLog, undone)
    assert log.status == 'cancelled' and 'reported by mistake' in (log.cancel_reason or '')  # type: ignore[union-attr]
    assert log.downtime_minutes == 0 and (str(day.id), 'create', None, None) in trail(session, undone)  # type: ignore[union-attr]
