"""Device links: an admin links a JMF sender to a machine; the secret is shown once and stored hashed; revoking
stops it; an address allow-list narrows where the device may post from."""
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlmodel import Session

from app import api, auth
from app.db import session_scope
from app.errors import NotAuthenticated, PermissionDenied
from app.models import ApiToken, DeviceLink, Role
from app.services.jmf import links
from tests.factories import actor, make_machine, make_user


@pytest.fixture
async def admin_client(session: Session) -> AsyncIterator[httpx.AsyncClient]:
    admin = make_user(session, 'boss', Role.ADMIN)
    session.add(ApiToken(user_id=admin.id, name='t', token_hash=auth.token_digest('admin-token')))  # type: ignore[arg-type]
    session.commit()
    app = FastAPI()
    api.install(app)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url='http://test',
                                 headers={'Authorization': 'Bearer admin-token'}) as client:
        yield client


async def test_the_secret_is_shown_once_and_stored_hashed(admin_client: httpx.AsyncClient, session: Session) -> None:
    machine = make_machine(session)
    created = await admin_client.post('/api/device-links', json={
        'machine_id': machine.id, 'sender_id': 'MAGNUS-Q800-01', 'allowed_addresses': ['10.1.2.0/24']})
    assert created.status_code == 201, created.text
    body = created.json()
    secret = body['secret']
    assert secret.startswith('jmf_') and body['url_path'] == f'/api/jmf/{secret}'
    assert body['link']['allowed_addresses'] == ['10.1.2.0/24'] and body['link']['machine_name'] == machine.name
    listed = (await admin_client.get('/api/device-links')).json()
    assert [row['id'] for row in listed] == [body['link']['id']] and secret not in str(listed)
    with session_scope() as check:
        row = check.exec(select(DeviceLink)).scalars().one()
        assert row.secret_hash == auth.token_digest(secret) and secret not in str(row.model_dump())


async def test_bad_links_are_refused_with_the_field(admin_client: httpx.AsyncClient, session: Session) -> None:
    machine = make_machine(session)
    cases = [({'machine_id': 99999, 'sender_id': 'X'}, 'machine_id'),
             ({'machine_id': machine.id, 'sender_id': 'has space'}, 'sender_id'),
             ({'machine_id': machine.id, 'sender_id': 'X', 'allowed_addresses': ['not-an-ip']}, 'allowed_addresses')]
    for body, field in cases:
        response = await admin_client.post('/api/device-links', json=body)
        assert response.status_code == 400 and field in response.json()['error']['fields'], response.text
    first = await admin_client.post('/api/device-links', json={'machine_id': machine.id, 'sender_id': 'X'})
    again = await admin_client.post('/api/device-links', json={'machine_id': machine.id, 'sender_id': 'X'})
    assert (first.status_code, again.status_code) == (201, 409)
    with session_scope() as check:
        assert len(check.exec(select(DeviceLink)).scalars().all()) == 1


async def test_revoked_links_stop_authenticating(admin_client: httpx.AsyncClient, session: Session) -> None:
    machine = make_machine(session)
    admin = make_user(session, 'admin2', Role.ADMIN)
    info, secret = links.create_link(session, actor=actor(admin), machine_id=machine.id, sender_id='S')  # type: ignore[arg-type]
    assert links.authenticate(session, secret=secret, address='10.0.0.1').id == info.id
    session.rollback()  # end the read: on SQLite this session would hold the write lock
    assert (await admin_client.delete(f'/api/device-links/{info.id}')).status_code == 204
    assert (await admin_client.delete(f'/api/device-links/{info.id}')).status_code == 404
    session.expire_all()
    with pytest.raises(NotAuthenticated):
        links.authenticate(session, secret=secret, address='10.0.0.1')


def test_basic_auth_user_must_be_the_sender_and_the_address_allowed(session: Session) -> None:
    machine = make_machine(session)
    admin = make_user(session, 'boss', Role.ADMIN)
    _, secret = links.create_link(session, actor=actor(admin), machine_id=machine.id, sender_id='S',  # type: ignore[arg-type]
                                  allowed_addresses=['192.168.7.0/24', '10.0.0.5'])
    assert links.authenticate(session, secret=secret, address='192.168.7.44', username='S')
    assert links.authenticate(session, secret=secret, address='10.0.0.5')
    with pytest.raises(NotAuthenticated):
        links.authenticate(session, secret=secret, address='192.168.7.44', username='OTHER')
    for address in ('10.0.0.6', None, 'testclient'):
        with pytest.raises(PermissionDenied):
            links.authenticate(session, secret=secret, address=address)
    with pytest.raises(NotAuthenticated):
        links.authenticate(session, secret='', address='10.0.0.5')


def test_only_admins_manage_links(session: Session) -> None:
    machine = make_machine(session)
    tech = make_user(session, 'tech', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
    with pytest.raises(PermissionDenied):
        links.create_link(session, actor=actor(tech), machine_id=machine.id, sender_id='S')  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        links.list_links(session, actor=actor(tech))


async def test_a_new_secret_replaces_the_old_one_at_once(admin_client: httpx.AsyncClient, session: Session) -> None:
    machine = make_machine(session)
    admin = make_user(session, 'admin2', Role.ADMIN)
    info, old = links.create_link(session, actor=actor(admin), machine_id=machine.id, sender_id='S')  # type: ignore[arg-type]
    session.rollback()
    rotated = await admin_client.post(f'/api/device-links/{info.id}/secret')
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()['secret']
    assert new != old and rotated.json()['url_path'] == f'/api/jmf/{new}' and rotated.json()['link']['id'] == info.id
    session.expire_all()
    assert links.authenticate(session, secret=new, address='10.0.0.1').id == info.id
    with pytest.raises(NotAuthenticated):
        links.authenticate(session, secret=old, address='10.0.0.1')
    session.rollback()
    await admin_client.delete(f'/api/device-links/{info.id}')
    gone = await admin_client.post(f'/api/device-links/{info.id}/secret')
    assert gone.status_code == 404 and gone.json()['error']['message'] == 'this device link no longer exists'
