"""API sign-in: cookie flags, a new session id at login, logout, deactivation, hashing."""
import base64
import json
import re

import httpx
import pytest
from argon2 import PasswordHasher
from sqlmodel import select

from app import auth
from app.db import session_scope
from app.models import Role, User
from app.services import users
from app.services.access import Actor
from tests.conftest import ADMIN_PASSWORD, api_login
from tests.factories import PASSWORD, make_user

OWASP_FLOOR = {'m': 19456, 't': 2, 'p': 1}


def session_payload(client: httpx.AsyncClient) -> dict[str, object]:
    """The signed (not encrypted) session cookie decodes to its payload."""
    value = client.cookies['session']
    data = value.split('.')[0]
    return json.loads(base64.b64decode(data + '=' * (-len(data) % 4)))  # type: ignore[no-any-return]


def admin_actor() -> Actor:
    with session_scope() as session:
        admin = users.find_by_username(session, 'admin')
        assert admin is not None
        return Actor(user_id=admin.id, role=Role.ADMIN, name=admin.name)


async def test_login_sets_a_cookie_with_the_right_flags(api_client: httpx.AsyncClient) -> None:
    response = await api_login(api_client, 'admin', ADMIN_PASSWORD)
    assert response.status_code == 200
    assert response.json()['role'] == 'admin'
    cookie = response.headers['set-cookie'].lower()
    assert 'httponly' in cookie and 'samesite=lax' in cookie and 'path=/' in cookie and 'domain' not in cookie
    assert set(session_payload(api_client)) == {'id'}


async def test_the_session_id_changes_at_login_and_the_old_one_gets_nothing(api_client: httpx.AsyncClient) -> None:
    assert (await api_client.get('/api/auth/me')).status_code == 401
    before = api_client.cookies['session']
    old_id = session_payload(api_client)['id']
    await api_login(api_client, 'admin', ADMIN_PASSWORD)
    assert session_payload(api_client)['id'] != old_id
    assert len(str(session_payload(api_client)['id'])) >= 22  # >= 128 bits
    assert (await api_client.get('/api/auth/me')).json()['username'] == 'admin'
    api_client.cookies.clear()
    api_client.cookies.set('session', before)
    replayed = await api_client.get('/api/auth/me')
    assert replayed.status_code == 401


async def test_logout_ends_the_session(api_client: httpx.AsyncClient) -> None:
    await api_login(api_client, 'admin', ADMIN_PASSWORD)
    assert (await api_client.post('/api/auth/logout')).status_code == 204
    assert (await api_client.get('/api/auth/me')).status_code == 401


@pytest.mark.parametrize('case', ['unknown user', 'wrong password', 'disabled account'])
async def test_wrong_credentials_get_one_answer(api_client: httpx.AsyncClient, case: str) -> None:
    with session_scope() as session:
        make_user(session, 'tech1')
        make_user(session, 'gone', active=False)
    username, password = {'unknown user': ('nobody', PASSWORD), 'wrong password': ('tech1', 'not-the-password'),
                          'disabled account': ('gone', PASSWORD)}[case]
    response = await api_login(api_client, username, password)
    assert response.status_code == 401
    assert response.json()['error'] == {'code': 'not_authenticated', 'message': 'wrong user name or password'}
    assert (await api_client.get('/api/auth/me')).status_code == 401


async def test_deactivation_takes_effect_on_an_open_session(api_client: httpx.AsyncClient) -> None:
    with session_scope() as session:
        tech = make_user(session, 'tech1')
    await api_login(api_client, 'tech1', PASSWORD)
    assert (await api_client.get('/api/ctp-machines')).status_code == 200
    with session_scope() as session:
        users.update_user(session, actor=admin_actor(), user_id=tech.id, changes={'is_active': False})  # type: ignore[arg-type]
    assert (await api_client.get('/api/ctp-machines')).status_code == 401


async def test_demotion_takes_effect_on_an_open_session(api_client: httpx.AsyncClient) -> None:
    with session_scope() as session:
        boss = make_user(session, 'boss', Role.ADMIN)
    await api_login(api_client, 'boss', PASSWORD)
    assert (await api_client.get('/api/users')).status_code == 200
    with session_scope() as session:
        users.update_user(session, actor=admin_actor(), user_id=boss.id, changes={'role': Role.MANAGER})  # type: ignore[arg-type]
    assert (await api_client.get('/api/users')).status_code == 403
    with session_scope() as session:
        users.update_user(session, actor=admin_actor(), user_id=boss.id, changes={'role': Role.NONE})  # type: ignore[arg-type]
    assert (await api_client.get('/api/ctp-machines')).status_code == 403


def test_password_hashes_are_argon2id_at_or_above_the_owasp_floor(production_password_hashes: None) -> None:
    encoded = auth.hash_password('a long passphrase')
    match = re.fullmatch(r'\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+', encoded)
    assert match is not None
    memory, time_cost, parallelism = (int(g) for g in match.groups())
    assert memory >= OWASP_FLOOR['m'] and time_cost >= OWASP_FLOOR['t'] and parallelism >= OWASP_FLOOR['p']


async def test_a_weak_hash_is_upgraded_at_login(production_password_hashes: None,
                                                api_client: httpx.AsyncClient) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with session_scope() as session:
        session.add(User(username='old', name='Old', role=Role.CTP_USER, password_hash=weak))
        session.commit()
    assert (await api_login(api_client, 'old', PASSWORD)).status_code == 200
    with session_scope() as session:
        stored = session.exec(select(User).where(User.username == 'old')).one().password_hash
    assert stored != weak and not auth.needs_rehash(stored)
    assert stored.startswith('$argon2id$v=19$m=19456,t=2,p=1$')  # the production parameters


def test_the_suites_cheap_hashes_are_refused_outside_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    """CTP_CHEAP_PASSWORD_HASHES (the suite's minimum-cost Argon2) cannot reach a real server."""
    from pydantic import ValidationError

    from app.config import Settings
    for env in ('development', 'production'):
        monkeypatch.setenv('CTP_ENV', env)
        with pytest.raises(ValidationError, match='CTP_CHEAP_PASSWORD_HASHES'):
            Settings()
    monkeypatch.setenv('CTP_ENV', 'test')
    assert Settings().cheap_password_hashes and auth.hash_password(PASSWORD).startswith('$argon2id$v=19$m=8,t=1,p=1$')


@pytest.mark.parametrize(('password', 'ok'), [('x' * 64, True), ('correct horse battery', True),
                                               ('password123', False), ('short', False)])
def test_password_rules(password: str, ok: bool) -> None:
    from app.errors import InvalidInput
    if ok:
        assert auth.validate_password(password) == password
    else:
        with pytest.raises(InvalidInput):
            auth.validate_password(password)
