"""Authorization rules, enforced in the services for UI, API, exports and live updates alike."""
from datetime import timedelta

import pytest
from sqlmodel import Session

from app.errors import NotAuthenticated, NotFound, PermissionDenied
from app.models import Role
from app.models.types import utcnow
from app.services import machines, problem_logs, problem_queries, stats
from app.services.access import SignedIn, actor_for_user, actor_signed_in, has_access
from app.services.problem_queries import ProblemFilter
from tests.factories import actor, change, complete, make_machine, make_user, report


@pytest.fixture
def plant(session: Session):  # type: ignore[no-untyped-def]
    mine, other = make_machine(session, 'Magnus'), make_machine(session, 'Avalon')
    tech = make_user(session, 'tech1', Role.CTP_USER, [mine.id])  # type: ignore[list-item]
    colleague = make_user(session, 'tech2', Role.CTP_USER, [mine.id, other.id])  # type: ignore[list-item]
    boss, manager = make_user(session, 'boss', Role.ADMIN), make_user(session, 'maria', Role.MANAGER)
    return mine, other, tech, colleague, boss, manager


def test_ctp_user_sees_only_assigned_machines_and_their_problems(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    mine, other, tech, colleague, *_ = plant
    report(session, colleague, mine)
    hidden = report(session, colleague, other)
    assert [m.name for m in machines.list_machines(session, actor=actor(tech))] == ['Magnus']
    page = problem_queries.list_problems(session, actor=actor(tech), filters=ProblemFilter())
    assert page.total == 1 and {i.machine_id for i in page.items} == {mine.id}
    with pytest.raises(NotFound):
        problem_queries.get_problem(session, actor=actor(tech), log_id=hidden)
    with pytest.raises(NotFound):
        machines.get_machine(session, actor=actor(tech), machine_id=other.id)
    with pytest.raises(NotFound):
        report(session, tech, other)


def test_ctp_user_edits_own_problems_only_admin_any(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    mine, _, tech, colleague, admin, _ = plant
    theirs = report(session, colleague, mine)
    with pytest.raises(PermissionDenied):
        change(session, tech, theirs, problem_description='not mine')
    change(session, admin, theirs, problem_description='admin may')
    own = report(session, tech, mine)
    complete(session, tech, own)
    with pytest.raises(PermissionDenied):
        problem_logs.delete_problem(session, actor=actor(tech), log_id=own)


def test_manager_reads_everything_and_writes_nothing(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    mine, other, _, colleague, _, manager = plant
    log_id = report(session, colleague, other)
    assert len(machines.list_machines(session, actor=actor(manager))) == 2
    problem_queries.get_problem(session, actor=actor(manager), log_id=log_id)
    stats.machine_stats(session, actor=actor(manager), start=utcnow(), end=utcnow())
    with pytest.raises(PermissionDenied):
        report(session, manager, mine)
    with pytest.raises(PermissionDenied):
        change(session, manager, log_id, problem_description='x')


def test_role_none_and_deactivated_users_have_no_access(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    mine, *_ = plant
    nobody = make_user(session, 'visitor', Role.NONE)
    gone = make_user(session, 'former', Role.ADMIN, active=False)
    assert not has_access(actor_for_user(session, nobody.id))
    assert actor_for_user(session, gone.id) is None
    with pytest.raises(PermissionDenied):
        machines.list_machines(session, actor=actor(nobody))
    with pytest.raises(NotAuthenticated):
        machines.list_machines(session, actor=None)  # type: ignore[arg-type]


def test_statistics_respect_scope(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    mine, other, tech, *_ = plant
    rows = stats.machine_stats(session, actor=actor(tech), start=utcnow(), end=utcnow())
    assert set(rows) == {mine.id}


def test_a_signed_in_session_is_resolved_like_an_api_caller(session: Session, plant) -> None:  # type: ignore[no-untyped-def]
    _, _, tech, *_ = plant
    since = utcnow() - timedelta(minutes=5)
    assert actor_signed_in(session, SignedIn(tech.id, since)) == actor(tech)
    with pytest.raises(NotAuthenticated):
        actor_signed_in(session, None)  # signed out or expired
    tech.sessions_valid_after = utcnow()  # a password reset after this session proved its password
    session.commit()
    with pytest.raises(NotAuthenticated):
        actor_signed_in(session, SignedIn(tech.id, since))
    tech.sessions_valid_after, tech.role = None, Role.NONE
    session.commit()
    with pytest.raises(PermissionDenied):
        actor_signed_in(session, SignedIn(tech.id, since))
