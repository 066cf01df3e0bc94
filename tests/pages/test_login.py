"""Sign-in pages with NiceGUI's simulated user: redirects, access levels, throttling, open pages losing access."""
import asyncio
import time

import httpx
import pytest
from nicegui.testing import User

from app import auth
from app.db import session_scope
from app.models import Role
from app.services import throttle, users
from app.services.access import Actor
from components.session import safe_redirect
from tests.conftest import ADMIN_PASSWORD, api_login
from tests.factories import PASSWORD, make_machine, make_user
from tests.pages.signin import sign_in_with_form as sign_in  # the real form, every time


def as_admin() -> Actor:
    with session_scope() as session:
        admin = users.find_by_username(session, 'admin')
        return Actor(user_id=admin.id, role=Role.ADMIN, name=admin.name)  # type: ignore[union-attr]


@pytest.mark.parametrize(('target', 'expected'), [
    ('/admin/users', '/admin/users'), ('/profile?tab=tokens', '/profile?tab=tokens'),
    ('javascript:alert(1)', '/'), ('//evil.example', '/'), ('/\\evil.example', '/'),
    ('https://evil.example/', '/'), ('', '/'), (None, '/'), ('/ok\r\nSet-Cookie: x', '/'), ('/a\\b', '/'),
])
def test_redirect_targets_are_local_paths_only(target: str | None, expected: str) -> None:
    assert safe_redirect(target) == expected


async def test_a_protected_page_sends_to_login_and_back_after_sign_in(user: User) -> None:
    await user.open('/profile')
    await user.should_see('Sign in')
    assert user.back_history[-1] == '/profile'
    await sign_in(user, 'admin', ADMIN_PASSWORD, '/login?redirect_to=/profile')
    await user.should_see('Personal API tokens')


@pytest.mark.parametrize('target', ['//evil.example', 'javascript:alert(1)', '/\\evil.example'])
async def test_a_foreign_redirect_target_lands_on_the_overview(user: User, target: str) -> None:
    with session_scope() as session:
        make_machine(session, 'Kodak Magnus Q800')
    await sign_in(user, 'admin', ADMIN_PASSWORD, f'/login?redirect_to={target}')
    await user.should_see('Kodak Magnus Q800')
    assert user.back_history[-1].startswith('/login/complete')


async def test_the_login_completion_needs_the_nonce_of_this_session(user: User) -> None:
    await user.open('/login/complete?nonce=guessed&redirect_to=/profile')
    await user.should_see('Sign in')


async def test_sign_out_clears_the_session(user: User) -> None:
    await sign_in(user, 'admin', ADMIN_PASSWORD)
    await user.should_see('Machines')
    response = await user.http_client.post('/sign-out', headers={'Origin': 'http://test'})
    assert response.status_code == 303
    await user.open('/profile')
    await user.should_see('Sign in')


async def test_the_login_page_is_throttled(user: User) -> None:
    with session_scope() as session:
        make_user(session, 'tech1')
    for _ in range(throttle.ACCOUNT_LIMIT):
        await sign_in(user, 'tech1', 'not-the-password')
    await sign_in(user, 'tech1', PASSWORD)
    await user.should_see('Too many failed sign-ins')


async def test_a_user_without_access_reaches_nothing_else(user: User) -> None:
    with session_scope() as session:
        make_user(session, 'visitor', Role.NONE)
    await sign_in(user, 'visitor', PASSWORD)
    await user.should_see('no access to CTP Log')
    for path in ('/', '/profile', '/admin/users'):
        await user.open(path)
        await user.should_see('no access to CTP Log')


async def test_an_open_page_of_a_deactivated_user_goes_to_login(user: User) -> None:
    with session_scope() as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        tech = make_user(session, 'tech1', machines=[machine.id])  # type: ignore[list-item]
    await sign_in(user, 'tech1', PASSWORD)
    await user.should_see('Kodak Magnus Q800')
    with session_scope() as session:
        users.update_user(session, actor=as_admin(), user_id=tech.id, changes={'is_active': False})  # type: ignore[arg-type]
    await user.should_see('Sign in', retries=20)
    await user.open('/')
    await user.should_see('Sign in')


async def test_an_open_page_of_a_user_losing_ctp_access_goes_to_the_plain_page(user: User) -> None:
    with session_scope() as session:
        tech = make_user(session, 'tech1')
    await sign_in(user, 'tech1', PASSWORD)
    await user.should_see('Machines')
    with session_scope() as session:
        users.update_user(session, actor=as_admin(), user_id=tech.id, changes={'role': Role.NONE})  # type: ignore[arg-type]
    await user.should_see('no access to CTP Log', retries=20)


async def test_the_sign_in_button_shows_it_is_working_and_comes_back_after_a_refusal(
        user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    real_verify = auth.verify_password

    def slow_verify(password_hash: str | None, password: str) -> bool:
        time.sleep(1.0)  # the production Argon2 check on a busy server; the test's cheap hash takes microseconds
        return real_verify(password_hash, password)
    monkeypatch.setattr(auth, 'verify_password', slow_verify)
    await user.open('/login')
    user.find('User name').type('admin')
    user.find('Password').type('not the password')
    button = user.find(marker='sign-in').elements.pop()
    user.find(marker='sign-in').click()
    for _ in range(50):  # the click's handler starts on the next turns of the event loop
        if not button.enabled:
            break
        await asyncio.sleep(0.01)
    assert not button.enabled and 'loading' in button.props  # before the (slow) password check ends
    await user.should_see('Wrong user name or password', retries=150)
    assert button.enabled and 'loading' not in button.props


async def test_a_page_answers_a_user_without_access_with_a_redirect_not_a_page(api_client: httpx.AsyncClient) -> None:
    """The plain page is reached by an HTTP redirect (303) before anything of the screen is built or sent."""
    with session_scope() as session:
        make_user(session, 'visitor', Role.NONE)
    assert (await api_login(api_client, 'visitor', PASSWORD)).status_code == 200
    for path in ('/', '/problems', '/statistics', '/admin/users'):
        response = await api_client.get(path, follow_redirects=False)
        assert (response.status_code, response.headers.get('location')) == (303, '/no-access'), path
        assert 'CTP Log' not in response.text
