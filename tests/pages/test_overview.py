"""Sign-in and the overview with NiceGUI's simulated user."""
import asyncio

from nicegui.testing import User

from app.db import session_scope
from app.models import Role
from tests.conftest import ADMIN_PASSWORD
from tests.factories import PASSWORD, make_machine, make_user, report


async def sign_in(user: User, username: str, password: str, path: str = '/login') -> None:
    """Fill in the login form and wait (Argon2 is slow on purpose) until the page moved on or said why not."""
    await user.open(path)
    pages, messages = len(user.back_history), len(user.notify.messages)
    user.find('User name').type(username)
    user.find('Password').type(password)
    user.find('Sign in').click()
    for _ in range(100):
        if len(user.back_history) > pages or len(user.notify.messages) > messages:
            return
        await asyncio.sleep(0.05)


async def test_signed_out_visitor_is_sent_to_login(user: User) -> None:
    await user.open('/')
    await user.should_see('Sign in')


async def test_admin_signs_in_and_sees_every_machine(user: User) -> None:
    with session_scope() as session:
        make_machine(session, 'Kodak Magnus Q800')
        make_machine(session, 'Agfa Avalon N8-90')
    await sign_in(user, 'admin', ADMIN_PASSWORD)
    await user.should_see('Kodak Magnus Q800')
    await user.should_see('Agfa Avalon N8-90')


async def test_wrong_password_is_refused(user: User) -> None:
    await sign_in(user, 'admin', 'wrong-password')
    await user.should_see('Wrong user name or password')


async def test_user_without_access_lands_on_a_plain_page(user: User) -> None:
    with session_scope() as session:
        make_user(session, 'visitor', Role.NONE)
    await sign_in(user, 'visitor', PASSWORD)
    await user.should_see('no access to CTP Log')


async def test_new_problem_turns_the_card_red_without_reload(user: User) -> None:
    with session_scope() as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        tech = make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
    await sign_in(user, 'tech1', PASSWORD)
    await user.should_see('RUNNING')
    with session_scope() as session:
        report(session, tech, machine)
    await user.should_see('DOWN')
