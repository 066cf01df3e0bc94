"""Sign-in and the overview with NiceGUI's simulated user."""

from nicegui.testing import User

from app.db import session_scope
from app.models import Role
from tests.conftest import ADMIN_PASSWORD
from tests.factories import PASSWORD, make_machine, make_user, report
from tests.pages.signin import WAIT, sign_in


async def test_signed_out_visitor_is_sent_to_login(user: User) -> None:
    await user.open('/')
    await user.should_see('Sign in')


async def test_admin_signs_in_and_sees_every_machine(user: User) -> None:
    with session_scope() as session:
        make_machine(session, 'Kodak Magnus Q800')
        make_machine(session, 'Agfa Avalon N8-90')
    await sign_in(user, 'admin', ADMIN_PASSWORD)
    await user.should_see('Kodak Magnus Q800', retries=WAIT)
    await user.should_see('Agfa Avalon N8-90')


async def test_wrong_password_is_refused(user: User) -> None:
    await user.open('/login')
    user.find('User name').type('admin')
    user.find('Password').type('wrong-password')
    user.find('Sign in').click()
    await user.should_see('Wrong user name or password', retries=WAIT)


async def test_user_without_access_lands_on_a_plain_page(user: User) -> None:
    with session_scope() as session:
        make_user(session, 'visitor', Role.NONE)
    await user.open('/login')
    user.find('User name').type('visitor')
    user.find('Password').type(PASSWORD)
    user.find('Sign in').click()
    await user.should_see('no access to CTP Log', retries=WAIT)


async def test_new_problem_turns_the_card_red_without_reload(user: User) -> None:
    with session_scope() as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        tech = make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
    await sign_in(user, 'tech1', PASSWORD)
    await user.should_see(marker=f'status-{machine.id}', content='RUNNING')
    with session_scope() as session:
        report(session, tech, machine)
    await user.should_see(marker=f'status-{machine.id}', content='DOWN', retries=WAIT)


async def test_card_shows_problem_counter_and_today(user: User) -> None:
    from datetime import timedelta

    from app.models import utcnow
    with session_scope() as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        tech = make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
        report(session, tech, machine, start=utcnow() - timedelta(minutes=72), description='Drum will not turn')
    await sign_in(user, 'tech1', PASSWORD)
    await user.should_see(marker=f'status-{machine.id}', content='DOWN')
    await user.should_see('Drum will not turn')
    await user.should_see(marker=f'down-for-{machine.id}', content='down for 1 h 12 min')
    await user.should_see('Who: UNASSIGNED')
    await user.should_see('Recent problems')


async def test_status_filter_hides_other_machines(user: User) -> None:
    with session_scope() as session:
        magnus = make_machine(session, 'Kodak Magnus Q800')
        make_machine(session, 'Agfa Avalon N8-90')
        tech = make_user(session, 'tech1', Role.CTP_USER, [magnus.id])  # type: ignore[list-item]
        report(session, tech, magnus)
    await sign_in(user, 'admin', ADMIN_PASSWORD)
    await user.should_see('Agfa Avalon N8-90')
    [toggle] = user.find(marker='status-filter').elements
    toggle.value = 'down'  # type: ignore[attr-defined]
    await user.should_not_see('Agfa Avalon N8-90', retries=WAIT)
    await user.should_see(marker=f'machine-{magnus.id}')


async def test_manager_sees_cards_without_report_buttons(user: User) -> None:
    with session_scope() as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        make_user(session, 'boss', Role.MANAGER)
    await sign_in(user, 'boss', PASSWORD)
    await user.should_see('Kodak Magnus Q800')
    await user.should_not_see(marker=f'report-{machine.id}')


async def test_recent_problem_opens_its_page(user: User) -> None:
    with session_scope() as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        tech = make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
        report(session, tech, machine, description='Chiller alarm')
    await sign_in(user, 'tech1', PASSWORD)
    await user.should_see(marker='recent')
    await user.should_see('Kodak Magnus Q800 · Uncategorised')
    user.find(marker='recent-1').click()
    await user.should_see(marker='problem-status', retries=WAIT)
