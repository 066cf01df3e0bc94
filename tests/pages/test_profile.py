"""/profile with NiceGUI's simulated user: change one's own password, create and revoke API tokens."""
import asyncio
from collections.abc import Callable

from nicegui import Client
from nicegui.testing import User
from sqlmodel import select

from app import auth
from app.db import session_scope
from app.models import ApiToken
from app.models import User as UserRow
from tests.conftest import api_login
from tests.factories import PASSWORD, make_user
from tests.pages.signin import WAIT, sign_in


async def test_a_user_changes_their_password(user: User) -> None:
    with session_scope() as session:
        make_user(session, 'tech1')
    await sign_in(user, 'tech1', PASSWORD, '/login?redirect_to=/profile')
    user.find('Current password').type('not-my-password')
    user.find('New password').type('a brand new passphrase')
    user.find('Change password').click()
    await user.should_see('The current password is not right', retries=30)
    user.find('Current password').clear().type(PASSWORD)
    user.find('Change password').click()
    await user.should_see('Password changed', retries=150)
    with session_scope() as session:
        stored = session.exec(select(UserRow).where(UserRow.username == 'tech1')).one().password_hash
    assert auth.verify_password(stored, 'a brand new passphrase')


async def test_a_user_creates_and_revokes_a_token(user: User) -> None:
    with session_scope() as session:
        make_user(session, 'tech1')
    await sign_in(user, 'tech1', PASSWORD, '/login?redirect_to=/profile')
    await user.should_see('No API tokens.')
    user.find('Token name').type('laptop script')
    user.find('Create token').click()
    await user.should_see('The current password is not right', retries=150)  # re-entered first (issue 18)
    user.find('Your password').type(PASSWORD)
    user.find('Create token').click()
    await user.should_see('Copy this token now', retries=150)
    secret = user.find(marker='new-token').elements.pop().text  # type: ignore[attr-defined]
    with session_scope() as session:
        row = session.exec(select(ApiToken)).one()
    assert row.token_hash == auth.token_digest(secret) and row.name == 'laptop script'
    await user.should_see('Revoke', retries=150)  # the list is read again off the loop, after the secret is shown
    user.find('Revoke').click()
    await user.should_see("Token 'laptop script' revoked", retries=30)
    with session_scope() as session:
        assert session.exec(select(ApiToken)).one().revoked_at is not None


async def test_changing_ones_password_keeps_this_session_and_ends_the_others(create_user: Callable[[], User]) -> None:
    with session_scope() as session:
        make_user(session, 'tech1')
    here, tablet, script = create_user(), create_user(), create_user()
    script.http_client.headers['X-CTP-Request'] = '1'
    assert (await api_login(script.http_client, 'tech1', PASSWORD)).status_code == 200  # a session without a page
    await sign_in(tablet, 'tech1', PASSWORD, then='/')  # a session with an open page
    await sign_in(here, 'tech1', PASSWORD, '/login?redirect_to=/profile')
    here.find('Current password').type(PASSWORD)
    here.find('New password').type('a brand new passphrase')
    here.find('Change password').click()
    await here.should_see('your other sessions are signed out', retries=WAIT)
    tablet_page = tablet.client
    for _ in range(WAIT):  # the open page is closed on the server (the simulation sends its navigation elsewhere)
        if tablet_page.id not in Client.instances:
            break
        await asyncio.sleep(0.1)
    assert tablet_page.id not in Client.instances
    assert (await script.http_client.get('/api/auth/me')).status_code == 401
    assert (await here.http_client.get('/api/auth/me')).status_code == 200  # this session stays signed in
    await here.open('/profile')
    await here.should_see('Change your password', retries=WAIT)
    await tablet.open('/')
    await tablet.should_see('Sign in', retries=WAIT)


async def test_a_user_ends_all_their_tokens_beside_the_password(user: User) -> None:
    with session_scope() as session:
        tech = make_user(session, 'tech1')
        for name in ('a', 'b'):
            session.add(ApiToken(user_id=tech.id, name=name, token_hash=name * 64))  # type: ignore[arg-type]
        session.commit()
    await sign_in(user, 'tech1', PASSWORD, '/login?redirect_to=/profile')
    user.find('End all my API tokens').click()
    await user.should_see('2 API tokens ended', retries=60)
    with session_scope() as session:
        assert all(row.revoked_at is not None for row in session.exec(select(ApiToken)).all())
