"""Personal API tokens: shown once, stored hashed, the owner's rights and no more, revocable at once."""
import hashlib

import httpx
from sqlmodel import select

from app.db import session_scope
from app.models import ApiToken, Role
from tests.conftest import api_login
from tests.factories import PASSWORD, make_machine, make_user


async def new_token(client: httpx.AsyncClient, name: str = 'script') -> dict[str, object]:
    response = await client.post('/api/auth/tokens', json={'name': name, 'password': PASSWORD})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_a_token_is_shown_once_and_stored_hashed(api_client: httpx.AsyncClient) -> None:
    with session_scope() as session:
        make_user(session, 'tech1')
    await api_login(api_client, 'tech1', PASSWORD)
    created = await new_token(api_client)
    secret = str(created['token'])
    assert secret.startswith('ctp_') and len(secret) >= 40
    with session_scope() as session:
        row = session.exec(select(ApiToken)).one()
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    listed = (await api_client.get('/api/auth/tokens')).json()
    assert listed == [{k: v for k, v in created.items() if k != 'token'}]
    assert secret not in (await api_client.get('/api/auth/tokens')).text


async def test_a_token_carries_its_owners_rights_and_no_more(api_client: httpx.AsyncClient) -> None:
    with session_scope() as session:
        mine, other = make_machine(session, 'Kodak Magnus Q800'), make_machine(session, 'Agfa Avalon N8-90')
        make_user(session, 'tech1', machines=[mine.id])  # type: ignore[list-item]
    await api_login(api_client, 'tech1', PASSWORD)
    secret = (await new_token(api_client))['token']
    api_client.cookies.clear()
    bearer = {'Authorization': f'Bearer {secret}'}
    assert (await api_client.get('/api/auth/me', headers=bearer)).json()['username'] == 'tech1'
    assert [m['name'] for m in (await api_client.get('/api/ctp-machines', headers=bearer)).json()] == \
        ['Kodak Magnus Q800']
    assert (await api_client.get(f'/api/ctp-machines/{other.id}', headers=bearer)).status_code == 404
    assert (await api_client.get('/api/users', headers=bearer)).status_code == 403


async def test_a_revoked_or_unknown_token_is_refused(api_client: httpx.AsyncClient) -> None:
    with session_scope() as session:
        make_user(session, 'tech1')
    await api_login(api_client, 'tech1', PASSWORD)
    created = await new_token(api_client)
    assert (await api_client.delete(f'/api/auth/tokens/{created["id"]}')).status_code == 204
    assert (await api_client.get('/api/auth/tokens')).json() == []
    api_client.cookies.clear()
    for secret in (created['token'], 'ctp_made-up', ''):
        response = await api_client.get('/api/auth/me', headers={'Authorization': f'Bearer {secret}'})
        assert response.status_code == 401
        assert response.headers['www-authenticate'] == 'Bearer'


async def test_a_deactivated_users_token_stops_working(api_client: httpx.AsyncClient) -> None:
    with session_scope() as session:
        tech = make_user(session, 'tech1')
    await api_login(api_client, 'tech1', PASSWORD)
    secret = (await new_token(api_client))['token']
    with session_scope() as session:
        tech = session.get(type(tech), tech.id)
        tech.is_active = False  # type: ignore[union-attr]
        session.commit()
    api_client.cookies.clear()
    assert (await api_client.get('/api/auth/me', headers={'Authorization': f'Bearer {secret}'})).status_code == 401


async def test_token_names_are_checked(api_client: httpx.AsyncClient) -> None:
    with session_scope() as session:
        make_user(session, 'boss', Role.ADMIN)
    await api_login(api_client, 'boss', PASSWORD)
    for body in ({'name': '', 'password': PASSWORD}, {'name': 'x' * 81, 'password': PASSWORD},
                 {'name': 'ok', 'password': PASSWORD, 'user_id': 1}, {}, {'name': 'no password'}):
        assert (await api_client.post('/api/auth/tokens', json=body)).status_code == 400
    with session_scope() as session:
        assert session.exec(select(ApiToken)).first() is None


# ---- tokens do not breed tokens (issue 18) ------------------------------------------------------------------------

async def test_a_token_cannot_mint_list_or_revoke_tokens(api_client: httpx.AsyncClient) -> None:
    with session_scope() as session:
        make_user(session, 'tech1')
    await api_login(api_client, 'tech1', PASSWORD)
    created = await new_token(api_client)
    api_client.cookies.clear()
    bearer = {'Authorization': f'Bearer {created["token"]}'}
    minted = await api_client.post('/api/auth/tokens', json={'name': 'child', 'password': PASSWORD}, headers=bearer)
    assert minted.status_code == 403
    assert (await api_client.get('/api/auth/tokens', headers=bearer)).status_code == 403
    assert (await api_client.delete(f'/api/auth/tokens/{created["id"]}', headers=bearer)).status_code == 403
    with session_scope() as session:
        assert len(session.exec(select(ApiToken)).all()) == 1


async def test_creating_a_token_needs_the_password_re_entered(api_client: httpx.AsyncClient) -> None:
    with session_scope() as session:
        make_user(session, 'tech1')
    await api_login(api_client, 'tech1', PASSWORD)
    wrong = await api_client.post('/api/auth/tokens', json={'name': 'x', 'password': 'not-my-password'})
    assert wrong.status_code == 400 and 'password' in wrong.json()['error']['fields']
    with session_scope() as session:
        assert session.exec(select(ApiToken)).first() is None


async def test_admins_list_and_revoke_anyones_tokens(api_client: httpx.AsyncClient) -> None:
    with session_scope() as session:
        tech = make_user(session, 'tech1')
        make_user(session, 'boss', Role.ADMIN)
    await api_login(api_client, 'tech1', PASSWORD)
    created = await new_token(api_client)
    api_client.cookies.clear()
    await api_login(api_client, 'boss', PASSWORD)
    listed = (await api_client.get(f'/api/users/{tech.id}/tokens')).json()
    assert [row['id'] for row in listed] == [created['id']] and 'token' not in listed[0]
    assert (await api_client.delete(f'/api/users/{tech.id}/tokens/{created["id"]}')).status_code == 204
    assert (await api_client.get(f'/api/users/{tech.id}/tokens')).json() == []
    api_client.cookies.clear()
    revoked = await api_client.get('/api/auth/me', headers={'Authorization': f'Bearer {created["token"]}'})
    assert revoked.status_code == 401


def test_a_user_ends_all_their_tokens(session: object) -> None:
    from app.services import tokens
    from app.services.access import actor_for_user
    with session_scope() as db:
        tech = make_user(db, 'tech1')
        for name in ('a', 'b'):
            db.add(ApiToken(user_id=tech.id, name=name, token_hash=name * 64))  # type: ignore[arg-type]
        db.commit()
        actor = actor_for_user(db, tech.id)  # type: ignore[arg-type]
        assert tokens.revoke_all_own(db, actor=actor) == 2  # type: ignore[arg-type]
        assert tokens.list_tokens(db, actor=actor) == []  # type: ignore[arg-type]
