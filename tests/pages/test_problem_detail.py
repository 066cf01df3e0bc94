"""The problem page: complete with downtime shown first, cancel and reopen with a reason, delete for admins only."""
import pytest
from nicegui.testing import User
from sqlmodel import select

from app.db import session_scope
from app.models import CTPMachine, CTPProblemLog, ProblemPhoto, Role
from app.models import User as UserRow
from app.services import users
from tests.conftest import ADMIN_PASSWORD
from tests.factories import PASSWORD, change, change_behind_the_pages, complete, make_machine, make_user, report
from tests.pages.signin import WAIT, sign_in


def _open_problem(*, other_reporter: bool = False) -> tuple[int, int]:
    with session_scope() as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        tech = make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
        reporter = make_user(session, 'tech2', Role.CTP_USER, [machine.id]) if other_reporter else tech  # type: ignore[list-item]
        return machine.id, report(session, reporter, machine, description='Vacuum pump noisy')  # type: ignore[return-value]


def _log(log_id: int) -> CTPProblemLog:
    with session_scope() as session:
        return session.get(CTPProblemLog, log_id)  # type: ignore[return-value]


async def test_complete_shows_downtime_then_turns_the_machine_back_to_running(user: User) -> None:
    machine_id, log_id = _open_problem()
    await sign_in(user, 'tech1', PASSWORD, then=f'/problem-logs/{log_id}')
    await user.should_see('Vacuum pump noisy')
    user.find(marker='complete').click()
    await user.should_see(marker='downtime-preview', content='Downtime: 0 min')
    user.find(marker='solution').type('Replaced the vacuum hose')
    user.find(marker='resolved-by').elements.pop().value = 'internal_technician'  # type: ignore[attr-defined]
    user.find(marker='complete-save').click()
    await user.should_see('Problem completed', retries=WAIT)
    log = _log(log_id)
    assert (log.status, log.solution, log.resolved_by) == ('completed', 'Replaced the vacuum hose',
                                                          'internal_technician')
    with session_scope() as session:
        assert session.get(CTPMachine, machine_id).status == 'operational'  # type: ignore[union-attr]


async def test_complete_without_solution_explains_and_writes_nothing(user: User) -> None:
    _, log_id = _open_problem()
    await sign_in(user, 'tech1', PASSWORD, then=f'/problem-logs/{log_id}')
    user.find(marker='complete').click()
    user.find(marker='complete-save').click()
    await user.should_see('A solution is required', retries=WAIT)
    assert _log(log_id).status == 'open'


async def test_cancel_needs_a_reason(user: User) -> None:
    _, log_id = _open_problem()
    await sign_in(user, 'tech1', PASSWORD, then=f'/problem-logs/{log_id}')
    user.find(marker='cancel').click()
    await user.should_see(marker='reason', retries=WAIT)
    user.find(marker='reason').type('Reported on the wrong machine')
    user.find(marker='reason-submit').click()
    await user.should_see('Cancelled', retries=WAIT)
    assert (_log(log_id).status, _log(log_id).cancel_reason) == ('cancelled', 'Reported on the wrong machine')


async def test_reopen_a_completed_problem(user: User) -> None:
    _, log_id = _open_problem()
    with session_scope() as session:
        complete(session, make_user(session, 'boss', Role.ADMIN), log_id)
    await sign_in(user, 'tech1', PASSWORD, then=f'/problem-logs/{log_id}')
    user.find(marker='reopen').click()
    await user.should_see(marker='reason', retries=WAIT)
    user.find(marker='reason').type('Jammed again after ten plates')
    user.find(marker='reason-submit').click()
    await user.should_see('Reopened', retries=WAIT)
    assert _log(log_id).status == 'in_progress'


async def test_admin_deletes_after_confirming(user: User) -> None:
    _, log_id = _open_problem()
    await sign_in(user, 'admin', ADMIN_PASSWORD, then=f'/problem-logs/{log_id}')
    user.find(marker='delete').click()
    await user.should_see(marker='confirm-dialog', retries=WAIT)
    user.find(marker='confirm-yes').click()
    await user.should_see('Problem deleted', retries=WAIT)
    assert _log(log_id).deleted_at is not None


async def test_backing_out_of_delete_keeps_the_problem(user: User) -> None:
    _, log_id = _open_problem()
    await sign_in(user, 'admin', ADMIN_PASSWORD, then=f'/problem-logs/{log_id}')
    user.find(marker='delete').click()
    await user.should_see(marker='confirm-dialog', retries=WAIT)
    user.find(marker='confirm-back').click()
    await user.should_not_see(marker='confirm-dialog', retries=WAIT)
    assert _log(log_id).deleted_at is None


async def test_a_colleague_works_the_problem_but_the_report_stays_the_reporters(user: User) -> None:
    _, log_id = _open_problem(other_reporter=True)
    await sign_in(user, 'tech1', PASSWORD, then=f'/problem-logs/{log_id}')
    await user.should_see('Vacuum pump noisy')
    await user.should_see(marker='complete')
    await user.should_see(marker='edit-reason', content='Only the reporter or an admin can edit the report')
    await user.should_see(marker='cancel-reason', content='Only the reporter or an admin can cancel this problem')
    for marker in ('delete', 'undo'):
        await user.should_not_see(marker=marker)
    user.find(marker='acknowledge').click()
    await user.should_see('It is yours now', retries=WAIT)
    await user.should_see(marker='fact-who-has-it', content='Tech1', retries=WAIT)
    assert _log(log_id).acknowledged_by is not None and _log(log_id).status == 'in_progress'


async def test_the_shift_leaves_a_comment_for_the_next_one(user: User) -> None:
    _, log_id = _open_problem(other_reporter=True)
    await sign_in(user, 'tech1', PASSWORD, then=f'/problem-logs/{log_id}')
    await user.should_see('No comments yet.')
    user.find(marker='comment-text').type('Ordered a new vacuum hose, arrives 14:00')
    user.find(marker='comment-add').click()
    await user.should_see('Comment added', retries=WAIT)
    await user.should_see(marker='comment', content='Ordered a new vacuum hose, arrives 14:00', retries=WAIT)
    await user.should_see('Commented · Comment: Ordered a new vacuum hose', retries=WAIT)


async def test_hand_over_to_a_colleague(user: User) -> None:
    _, log_id = _open_problem(other_reporter=True)
    with session_scope() as session:
        tech1 = session.get(CTPProblemLog, log_id)
        change(session, session.get(UserRow, tech1.created_by), log_id, status='in_progress')  # type: ignore[arg-type,union-attr]
    await sign_in(user, 'tech2', PASSWORD, then=f'/problem-logs/{log_id}')
    user.find(marker='hand-over').click()
    await user.should_see(marker='hand-over-dialog', retries=WAIT)
    user.find(marker='hand-over-to').elements.pop().value = _user_id('tech1')  # type: ignore[attr-defined]
    user.find(marker='hand-over-save').click()
    await user.should_see('Handed over', retries=WAIT)
    await user.should_see(marker='fact-who-has-it', content='Tech1', retries=WAIT)
    assert _log(log_id).acknowledged_by == _user_id('tech1')


async def test_the_reporter_undoes_a_report_made_by_mistake(user: User) -> None:
    _, log_id = _open_problem()
    await sign_in(user, 'tech1', PASSWORD, then=f'/problem-logs/{log_id}')
    user.find(marker='undo').click()
    await user.should_see('Report undone', retries=WAIT)
    await user.should_see(marker='problem-status', content='Cancelled', retries=WAIT)
    await user.should_not_see(marker='undo', retries=WAIT)
    assert 'reported by mistake' in (_log(log_id).cancel_reason or '')


def _user_id(username: str) -> int:
    with session_scope() as session:
        return users.find_by_username(session, username).id  # type: ignore[union-attr,return-value]


async def test_edit_description_is_audited_and_shown_live(user: User) -> None:
    _, log_id = _open_problem()
    await sign_in(user, 'tech1', PASSWORD, then=f'/problem-logs/{log_id}')
    user.find(marker='edit').click()
    await user.should_see(marker='edit-description', retries=WAIT)
    field = user.find(marker='edit-description').elements.pop()
    field.value = 'Vacuum pump noisy and hot'  # type: ignore[attr-defined]
    user.find(marker='edit-save').click()
    await user.should_see('Saved', retries=WAIT)
    await user.should_not_see(marker='edit-dialog', retries=WAIT)
    await user.should_see('Vacuum pump noisy and hot', retries=WAIT)
    await user.should_see(marker='audit', retries=WAIT)
    assert _log(log_id).problem_description == 'Vacuum pump noisy and hot'


async def test_photos_of_the_problem_are_shown_as_thumbnails(user: User) -> None:
    _, log_id = _open_problem()
    with session_scope() as session:
        photo = ProblemPhoto(log_id=log_id, stored_name='a' * 32 + '.jpg', thumb_name='a' * 32 + '-t.jpg',
                             sha256='0' * 64, width=64, height=48)
        session.add(photo)
        session.commit()
        photo_id = photo.id
    await sign_in(user, 'tech1', PASSWORD, then=f'/problem-logs/{log_id}')
    await user.should_see('Photos', retries=WAIT)
    await user.should_see(marker=f'photo-{photo_id}')


@pytest.mark.parametrize(('change', 'refusal'), [
    ({'is_active': False}, 'Your session has ended'),
    ({'role': Role.MANAGER}, 'Your role can read problems but not change them'),
    ({'unassign': True}, 'not found'),
])
async def test_an_edit_uses_the_rights_the_user_has_at_save_time(user: User, change: dict[str, object],
                                                                 refusal: str) -> None:
    _, log_id = _open_problem()
    await sign_in(user, 'tech1', PASSWORD, then=f'/problem-logs/{log_id}')
    user.find(marker='edit').click()
    await user.should_see(marker='edit-description', retries=WAIT)
    user.find(marker='edit-description').elements.pop().value = 'Changed after losing the rights'  # type: ignore[attr-defined]
    change_behind_the_pages(_log(log_id).created_by, **change)  # type: ignore[arg-type]
    user.find(marker='edit-save').click()
    await user.should_see(refusal, retries=WAIT)
    assert _log(log_id).problem_description == 'Vacuum pump noisy'


async def test_a_demoted_admin_cannot_delete_from_a_page_opened_before(user: User) -> None:
    _, log_id = _open_problem()
    await sign_in(user, 'admin', ADMIN_PASSWORD, then=f'/problem-logs/{log_id}')
    user.find(marker='delete').click()
    await user.should_see(marker='confirm-dialog', retries=WAIT)
    with session_scope() as session:
        admin_id = users.find_by_username(session, 'admin').id  # type: ignore[union-attr]
    change_behind_the_pages(admin_id, role=Role.MANAGER)  # type: ignore[arg-type]
    user.find(marker='confirm-yes').click()
    await user.should_see('Your role does not allow this', retries=WAIT)
    assert _log(log_id).deleted_at is None


async def test_a_stop_that_ended_when_it_started_says_it_was_a_false_alarm(user: User) -> None:
    """DOMAIN.md §5 rule 11: a zero-length stop is no episode and has no downtime; the page says so."""
    _, log_id = _open_problem()
    started = _log(log_id).start_time
    with session_scope() as session:
        tech = session.exec(select(UserRow).where(UserRow.username == 'tech1')).one()
        complete(session, tech, log_id, end=started)
    await sign_in(user, 'tech1', PASSWORD, then=f'/problem-logs/{log_id}')
    await user.should_see('none: a false alarm (it ended when it started, so it is not counted as a stop)',
                          retries=WAIT)
