"""The tablet form: three taps, one problem per client key, drafts that survive a reload."""
from collections.abc import Callable
from datetime import UTC

import pytest
from nicegui.testing import User
from sqlalchemy import func, select

from app.db import session_scope
from app.models import CTPMachine, CTPProblemLog, Role, UserMachine, utcnow
from app.services import users
from tests.factories import PASSWORD, change_behind_the_pages, make_machine, make_user, seeded_category
from tests.pages.signin import WAIT, sign_in


def _setup() -> tuple[int, int]:
    with session_scope() as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
        subsystem = seeded_category(session, 'Plate loading / autoloader')
        return machine.id, subsystem.id  # type: ignore[return-value]


def _problems() -> list[CTPProblemLog]:
    with session_scope() as session:
        return list(session.exec(select(CTPProblemLog)).scalars())


async def test_machine_down_in_three_taps_from_the_card(user: User) -> None:
    machine_id, subsystem_id = _setup()
    await sign_in(user, 'tech1', PASSWORD)
    [card] = user.find(marker=f'machine-{machine_id}').elements
    await user.open(card.props['report']['href'])                     # tap 1: the card's Report link
    await user.should_see(marker=f'subsystem-{subsystem_id}', retries=WAIT)
    user.find(marker=f'subsystem-{subsystem_id}').click()            # tap 2: the subsystem
    user.find(marker='submit-down').click()                           # tap 3: Machine DOWN
    await user.should_see('Problem reported', retries=WAIT)
    [log] = _problems()
    assert (log.category_id, log.is_stopping) == (subsystem_id, True)
    assert log.problem_description == 'Plate loading / autoloader'
    with session_scope() as session:
        assert session.get(CTPMachine, machine_id).status == 'down'  # type: ignore[union-attr]


async def test_running_with_problem_keeps_the_symptom_and_description(user: User) -> None:
    machine_id, subsystem_id = _setup()
    await sign_in(user, 'tech1', PASSWORD, then=f'/machines/{machine_id}/report')
    user.find(marker=f'subsystem-{subsystem_id}').click()
    await user.should_see('2. Symptom (optional)')
    with session_scope() as session:
        symptom = seeded_category(session, 'Plate loading / autoloader', 'Double pick')
    user.find(marker=f'symptom-{symptom.id}').click()
    user.find(marker='description').type('Picks two plates now and then')
    user.find(marker='submit-running').click()
    await user.should_see('Problem reported', retries=WAIT)
    [log] = _problems()
    assert (log.category_id, log.is_stopping) == (symptom.id, False)
    assert log.problem_description == 'Picks two plates now and then'


async def test_double_tap_creates_one_problem(user: User) -> None:
    machine_id, subsystem_id = _setup()
    await sign_in(user, 'tech1', PASSWORD, then=f'/machines/{machine_id}/report')
    user.find(marker=f'subsystem-{subsystem_id}').click()
    button = user.find(marker='submit-down')
    button.click()
    button.click()
    await user.should_see('Problem reported', retries=WAIT)
    assert len(_problems()) == 1


async def test_typed_input_comes_back_after_a_reload(user: User) -> None:
    machine_id, subsystem_id = _setup()
    await sign_in(user, 'tech1', PASSWORD, then=f'/machines/{machine_id}/report')
    user.find(marker=f'subsystem-{subsystem_id}').click()
    user.find(marker='description').type('Plate stuck in the autoloader')
    await user.should_see('Draft saved')
    await user.open(f'/machines/{machine_id}/report')
    await user.should_see(marker='description', retries=WAIT)
    [field] = user.find(marker='description').elements
    assert field.value == 'Plate stuck in the autoloader'  # type: ignore[attr-defined]
    await user.should_see('2. Symptom (optional)')  # the chosen subsystem is restored too


async def test_the_start_is_one_tap_without_typing(user: User) -> None:
    machine_id, subsystem_id = _setup()
    await sign_in(user, 'tech1', PASSWORD, then=f'/machines/{machine_id}/report')
    await user.should_see('When did it start? (Europe/Berlin time)', retries=WAIT)
    user.find(marker=f'subsystem-{subsystem_id}').click()
    before = utcnow()
    user.find(marker='start-15').click()
    await user.should_see(marker='start', content='Started ')
    user.find(marker='submit-down').click()
    await user.should_see('Problem reported', retries=WAIT)
    [log] = _problems()
    ago = (before - log.start_time.replace(tzinfo=UTC)).total_seconds() / 60
    assert 14 <= ago <= 16


async def test_a_report_with_nothing_chosen_or_typed_asks_once(user: User) -> None:
    machine_id, _ = _setup()
    await sign_in(user, 'tech1', PASSWORD, then=f'/machines/{machine_id}/report')
    user.find(marker='submit-running').click()
    await user.should_see('Report a problem without saying what it is?', retries=WAIT)
    user.find(marker='confirm-back').click()
    await user.should_not_see(marker='confirm-dialog', retries=WAIT)
    assert _problems() == []
    user.find(marker='submit-running').click()
    await user.should_see(marker='confirm-dialog', retries=WAIT)
    user.find(marker='confirm-yes').click()
    await user.should_see('Problem reported', retries=WAIT)
    assert len(_problems()) == 1


async def test_machine_outside_the_scope_cannot_be_reported(user: User) -> None:
    _setup()
    with session_scope() as session:
        other = make_machine(session, 'Agfa Avalon N8-90')
    await sign_in(user, 'tech1', PASSWORD, then=f'/machines/{other.id}/report')
    await user.should_see('not found', retries=WAIT)
    await user.should_not_see(marker='submit-down')
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(CTPProblemLog)).one()[0] == 0


async def test_qr_label_url_opens_the_form(user: User) -> None:
    machine_id, subsystem_id = _setup()
    await sign_in(user, 'tech1', PASSWORD, then=f'/m/{machine_id}/report')
    await user.should_see(marker=f'subsystem-{subsystem_id}')
    await user.should_see('Machine DOWN')


async def test_manager_gets_no_form(user: User) -> None:
    machine_id, _ = _setup()
    with session_scope() as session:
        make_user(session, 'boss', Role.MANAGER)
    await sign_in(user, 'boss', PASSWORD, then=f'/machines/{machine_id}/report')
    await user.should_see('not report problems')
    await user.should_not_see(marker='submit-down')


async def test_too_long_technician_name_is_explained(user: User) -> None:
    machine_id, _ = _setup()
    await sign_in(user, 'tech1', PASSWORD, then=f'/machines/{machine_id}/report')
    user.find(marker='technician-name').type('x' * 130)
    user.find(marker='description').type('Laser power low')
    user.find(marker='submit-down').click()
    await user.should_see('Technician name: at most 120 characters (this has 130); shorten it', retries=WAIT)
    assert _problems() == []


@pytest.mark.parametrize(('change', 'refusal'), [
    ({'is_active': False}, 'Your session has ended'),
    ({'role': Role.MANAGER}, 'Your role does not allow this'),
    ({'role': Role.NONE}, 'no access to CTP Log'),
    ({'unassign': True}, 'not found'),
])
async def test_a_save_uses_the_rights_the_user_has_at_save_time(user: User, change: dict[str, object],
                                                                refusal: str) -> None:
    machine_id, subsystem_id = _setup()
    await sign_in(user, 'tech1', PASSWORD, then=f'/machines/{machine_id}/report')
    user.find(marker=f'subsystem-{subsystem_id}').click()
    change_behind_the_pages(_user_id('tech1'), **change)  # type: ignore[arg-type]
    user.find(marker='submit-down').click()
    await user.should_see(refusal, retries=WAIT)
    assert _problems() == []
    await user.should_see(marker='submit-down')  # still on the form, the draft kept


def _user_id(username: str) -> int:
    with session_scope() as session:
        return users.find_by_username(session, username).id  # type: ignore[union-attr,return-value]


async def test_two_tabs_on_two_machines_keep_their_own_drafts(create_user: Callable[[], User]) -> None:
    """The draft is kept per user AND machine: a second tab (same session) reporting on another machine does not
    overwrite it. Two tabs on the same machine share one draft (and its client key), on purpose: one report."""
    magnus_id, subsystem_id = _setup()
    with session_scope() as session:
        avalon_id = make_machine(session, 'Agfa Avalon N8-90').id
        tech_id = users.find_by_username(session, 'tech1').id  # type: ignore[union-attr]
        session.add(UserMachine(user_id=tech_id, machine_id=avalon_id))  # type: ignore[arg-type]
        session.commit()
    first, second = create_user(), create_user()
    await sign_in(first, 'tech1', PASSWORD, then=f'/machines/{magnus_id}/report')
    second.http_client.cookies.update(first.http_client.cookies)  # a second tab of the same browser
    await second.open(f'/machines/{avalon_id}/report')
    await second.should_see(marker='description', retries=WAIT)
    first.find(marker=f'subsystem-{subsystem_id}').click()
    first.find(marker='description').type('Plate stuck in the autoloader')
    await first.should_see('Draft saved')
    second.find(marker='description').type('Vacuum pump noisy')
    await second.should_see('Draft saved')
    for tab, machine_id, text in ((first, magnus_id, 'Plate stuck in the autoloader'),
                                  (second, avalon_id, 'Vacuum pump noisy')):
        await tab.open(f'/machines/{machine_id}/report')  # a reload of each tab
        await tab.should_see(marker='description', retries=WAIT)
        [field] = tab.find(marker='description').elements
        assert field.value == text  # type: ignore[attr-defined]
    await first.should_see('2. Symptom (optional)')  # the subsystem chosen in the first tab is kept too
    await second.should_not_see('2. Symptom (optional)')
