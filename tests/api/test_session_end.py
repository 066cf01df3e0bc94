"""Ending a user's sessions (SECURITY.md A6, ASVS 7.4): deactivation and a password set by an admin sign out every
session that proved the password before, also one without an open page (a closed tab, a script's cookie jar), so a
reactivated account needs a new sign-in. API tokens are revoked explicitly and stay valid."""
from collections.abc import Callable
from typing import Any

import httpx
from nicegui.testing import User

from app.db import session_scope
from app.models import Role
from app.services import users
from app.services.access import Actor
from tests.conftest import ADMIN_PASSWORD, api_login
from tests.factories import PASSWORD, make_machine, make_user
from tests.pages.signin import WAIT

NEW_PASSWORD = 'a brand new passphrase'


def admin_changes(user_id: int, changes: dict[str, Any]) -> None:
    with session_scope() as session:
        admin = users.find_by_username(session, 'admin')
        assert admin is not None
        users.update_user(session, actor=Actor(user_id=admin.id, role=Role.ADMIN, name=admin.name),
                          user_id=user_id, changes=changes)


def make_tech() -> int:
    with session_scope() as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        return make_user(session, 'tech1', Role.CTP_USER, [machine.id]).id  # type: ignore[list-item,return-value]


def cookie_writer(user: User) -> httpx.AsyncClient:
    user.http_client.headers['X-CTP-Request'] = '1'  # cookie writes need it (SECURITY.md C1)
    return user.http_client


async def me(client: httpx.AsyncClient) -> int:
    return (await client.get('/api/auth/me')).status_code


async def test_a_reactivated_user_must_sign_in_again(user: User) -> None:
    tech_id = make_tech()
    client = user.http_client
    assert (await api_login(client, 'tech1', PASSWORD)).status_code == 200
    assert await me(client) == 200
    admin_changes(tech_id, {'is_active': False})
    admin_changes(tech_id, {'is_active': True})
    assert await me(client) == 401
    assert (await client.get('/api/ctp-problem-logs')).status_code == 401  # the reads that resolve in their own read
    assert (await client.get('/api/ctp-machines')).status_code == 401
    await user.open('/')
    await user.should_see('Sign in', retries=WAIT)
    await user.should_not_see(marker='user-menu')
    assert (await api_login(client, 'tech1', PASSWORD)).status_code == 200  # a fresh sign-in works
    assert await me(client) == 200
    await user.open('/')
    await user.should_see(marker='user-menu', retries=WAIT)


async def test_a_password_set_by_an_admin_ends_the_users_sessions(create_user: Callable[[], User]) -> None:
    tech_id = make_tech()
    laptop, script = cookie_writer(create_user()), cookie_writer(create_user())
    for jar in (laptop, script):
        assert (await api_login(jar, 'tech1', PASSWORD)).status_code == 200
    admin_changes(tech_id, {'password': NEW_PASSWORD})
    assert [await me(laptop), await me(script)] == [401, 401]
    assert (await api_login(script, 'tech1', PASSWORD)).status_code == 401
    assert (await api_login(script, 'tech1', NEW_PASSWORD)).status_code == 200
    assert [await me(laptop), await me(script)] == [401, 200]


async def test_other_changes_leave_the_sessions_alone(user: User) -> None:
    tech_id = make_tech()
    assert (await api_login(user.http_client, 'tech1', PASSWORD)).status_code == 200
    admin_changes(tech_id, {'name': 'Tech One', 'role': Role.MANAGER})
    admin_changes(tech_id, {'role': Role.CTP_USER, 'is_active': True})
    assert await me(user.http_client) == 200


async def test_a_new_configured_admin_password_ends_the_admins_sessions(user: User) -> None:
    assert (await api_login(user.http_client, 'admin', ADMIN_PASSWORD)).status_code == 200
    with session_scope() as session:
        users.ensure_admin(session, username='admin', password=ADMIN_PASSWORD)  # unchanged: sessions stay
    assert await me(user.http_client) == 200
    with session_scope() as session:
        users.ensure_admin(session, username='admin', password=NEW_PASSWORD)
    assert await me(user.http_client) == 401


async def test_api_tokens_outlive_a_password_reset_until_revoked(user: User) -> None:
    tech_id = make_tech()
    client = user.http_client
    assert (await api_login(client, 'tech1', PASSWORD)).status_code == 200
    created = await client.post('/api/auth/tokens', json={'name': 'line script', 'password': PASSWORD})
    assert created.status_code == 201
    bearer = {'Authorization': f"Bearer {created.json()['token']}"}
    admin_changes(tech_id, {'password': NEW_PASSWORD})
    assert await me(client) == 401
    assert (await client.get('/api/auth/me', headers=bearer)).status_code == 200
    admin_changes(tech_id, {'is_active': False})
    assert (await client.get('/api/auth/me', headers=bearer)).status_code == 401  # deactivated: nothing works
    admin_changes(tech_id, {'is_active': True})
    assert (await client.get('/api/auth/me', headers=bearer)).status_code == 200
