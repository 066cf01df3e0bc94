"""/api/users: admins create, edit, deactivate and assign; bad input is 400 and writes nothing."""
import httpx
import pytest
from sqlmodel import select

from app.db import session_scope
from app.models import Division, User, UserMachine
from tests.conftest import ADMIN_PASSWORD, api_login
from tests.factories import PASSWORD, make_machine, make_user


@pytest.fixture
async def admin(api_client: httpx.AsyncClient) -> httpx.AsyncClient:
    assert (await api_login(api_client, 'admin', ADMIN_PASSWORD)).status_code == 200
    return api_client


def user_rows() -> list[tuple[object, ...]]:
    with session_scope() as session:
        return [(u.id, u.username, u.name, u.role, u.division_id, u.is_active, u.password_hash)
                for u in session.exec(select(User).order_by(User.id))]


async def test_admin_creates_a_user_who_can_sign_in(admin: httpx.AsyncClient) -> None:
    with session_scope() as session:
        division = Division(name='Prepress')
        session.add(division)
        session.commit()
    response = await admin.post('/api/users', json={'username': 'Tech9', 'name': 'Tina Tech', 'role': 'ctp_user',
                                                    'password': 'a long passphrase', 'division_id': division.id})
    assert response.status_code == 201
    body = response.json()
    assert body['username'] == 'tech9' and body['role'] == 'ctp_user' and body['division_id'] == division.id
    assert 'password' not in response.text and 'argon2' not in response.text
    admin.cookies.clear()
    assert (await api_login(admin, 'tech9', 'a long passphrase')).status_code == 200


@pytest.mark.parametrize('body', [
    {'username': 'x1', 'name': 'X', 'role': 'ctp_user', 'password': 'a long passphrase', 'is_admin': True},
    {'username': 'x1', 'name': 'X', 'role': 'superuser', 'password': 'a long passphrase'},
    {'username': 'x1', 'name': 'X', 'role': 'ctp_user', 'password': 'password123'},
    {'username': 'x1', 'name': 'X', 'role': 'ctp_user', 'password': 'short'},
    {'username': 'x 1', 'name': 'X', 'role': 'ctp_user', 'password': 'a long passphrase'},
    {'username': 'x1', 'name': 'X', 'role': 'ctp_user', 'password': 'a long passphrase', 'division_id': 999},
    {'name': 'X', 'role': 'ctp_user', 'password': 'a long passphrase'},
])
async def test_bad_new_users_are_400_and_nothing_is_written(admin: httpx.AsyncClient, body: dict[str, object]) -> None:
    before = user_rows()
    response = await admin.post('/api/users', json=body)
    assert response.status_code == 400, response.text
    assert response.json()['error']['message']
    assert user_rows() == before


async def test_a_new_user_is_assigned_machines_in_the_same_write(admin: httpx.AsyncClient) -> None:
    with session_scope() as session:
        press = make_machine(session, 'Kodak Magnus Q800')
    response = await admin.post('/api/users', json={'username': 'tech9', 'name': 'Tina Tech', 'role': 'ctp_user',
                                                    'password': 'a long passphrase', 'machine_ids': [press.id]})
    assert response.status_code == 201, response.text
    assert response.json()['machine_ids'] == [press.id]
    before = user_rows()
    refused = await admin.post('/api/users', json={'username': 'tech10', 'name': 'T', 'role': 'ctp_user',
                                                   'password': 'a long passphrase', 'machine_ids': [press.id, 999]})
    assert refused.status_code == 400 and 'unknown machines' in refused.json()['error']['message']
    assert user_rows() == before  # no user without the machines they were meant to have


async def test_a_taken_user_name_is_409(admin: httpx.AsyncClient) -> None:
    response = await admin.post('/api/users', json={'username': 'ADMIN', 'name': 'Second', 'role': 'manager',
                                                    'password': 'a long passphrase'})
    assert response.status_code == 409


@pytest.mark.parametrize('extra', [{'id': 99}, {'password_hash': 'x'}, {'created_at': '2026-01-01T00:00:00Z'},
                                   {'machine_ids': [1]}])
async def test_extra_fields_on_update_are_refused(admin: httpx.AsyncClient, extra: dict[str, object]) -> None:
    with session_scope() as session:
        tech = make_user(session, 'tech1')
    before = user_rows()
    assert (await admin.put(f'/api/users/{tech.id}', json={'name': 'New', **extra})).status_code == 400
    assert user_rows() == before


async def test_admin_edits_role_name_password_and_deactivates(admin: httpx.AsyncClient) -> None:
    with session_scope() as session:
        tech = make_user(session, 'tech1')
    changes = {'name': 'Tom Tech', 'role': 'manager', 'password': 'another long one', 'username': 'tom'}
    response = await admin.put(f'/api/users/{tech.id}', json=changes)
    assert response.status_code == 200
    assert response.json()['role'] == 'manager' and response.json()['username'] == 'tom'
    assert (await admin.put(f'/api/users/{tech.id}', json={'is_active': False})).json()['is_active'] is False
    admin.cookies.clear()
    assert (await api_login(admin, 'tom', 'another long one')).status_code == 401


async def test_the_last_admin_cannot_be_removed(admin: httpx.AsyncClient) -> None:
    me = (await admin.get('/api/auth/me')).json()
    before = user_rows()
    for change in ({'role': 'manager'}, {'is_active': False}, {'role': 'none'}):
        response = await admin.put(f'/api/users/{me["id"]}', json=change)
        assert response.status_code == 409
        assert 'no active admin' in response.json()['error']['message']
    assert user_rows() == before
    with session_scope() as session:
        make_user(session, 'boss2', 'admin')  # type: ignore[arg-type]
    assert (await admin.put(f'/api/users/{me["id"]}', json={'role': 'manager'})).status_code == 200


async def test_machine_assignments_replace_the_set(admin: httpx.AsyncClient) -> None:
    with session_scope() as session:
        a, b = make_machine(session, 'Kodak Magnus Q800'), make_machine(session, 'Agfa Avalon N8-90')
        tech = make_user(session, 'tech1', machines=[a.id])  # type: ignore[list-item]
    response = await admin.put(f'/api/users/{tech.id}/machines', json={'machine_ids': [b.id]})
    assert response.status_code == 200 and response.json()['machine_ids'] == [b.id]
    assert (await admin.put(f'/api/users/{tech.id}/machines', json={'machine_ids': [999]})).status_code == 400
    assert (await admin.put('/api/users/999/machines', json={'machine_ids': []})).status_code == 404
    with session_scope() as session:
        assert [r.machine_id for r in session.exec(select(UserMachine))] == [b.id]
    admin.cookies.clear()
    await api_login(admin, 'tech1', PASSWORD)
    assert [m['name'] for m in (await admin.get('/api/ctp-machines')).json()] == ['Agfa Avalon N8-90']


async def test_unknown_user_is_404(admin: httpx.AsyncClient) -> None:
    assert (await admin.put('/api/users/999', json={'name': 'x'})).status_code == 404
