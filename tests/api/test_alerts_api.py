"""The alerts API (issue 23): write-only channel secrets, the allow-list at save time, own subscriptions only,
the dead letters and their retry, the rules with their seeded defaults."""
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import Session

from app import api, auth
from app.config import get_settings
from app.models import AlertOutbox, ApiToken, Role, User
from tests.factories import make_machine, make_user

Client = Callable[[User], httpx.AsyncClient]


@pytest.fixture
async def client_for(session: Session, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Client]:
    monkeypatch.setenv('CTP_ALERT_ALLOWED_HOSTS', '["hooks.plant.example"]')
    get_settings.cache_clear()
    app = FastAPI()
    api.install(app)
    clients: list[httpx.AsyncClient] = []

    def make(user: User) -> httpx.AsyncClient:
        session.add(ApiToken(user_id=user.id, name='t', token_hash=auth.token_digest(f'token-{user.id}')))  # type: ignore[arg-type]
        session.commit()
        clients.append(httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url='http://test',
                                         headers={'Authorization': f'Bearer token-{user.id}'}))
        return clients[-1]
    yield make
    for client in clients:
        await client.aclose()


async def test_a_channel_secret_is_never_shown_and_urls_must_be_allowed(session: Session, client_for: Client) -> None:
    admin = client_for(make_user(session, 'boss', Role.ADMIN))
    body = {'name': 'Maintenance Teams', 'kind': 'teams', 'target': 'https://hooks.plant.example/x', 'secret': 's3cr3t'}
    created = await admin.post('/api/alert-channels', json=body)
    assert created.status_code == 201, created.text
    assert created.json()['has_secret'] is True and 's3cr3t' not in created.text
    listed = await admin.get('/api/alert-channels')
    assert 's3cr3t' not in listed.text and listed.json()[0]['target'] == 'https://hooks.plant.example/x'
    kept = await admin.put(f'/api/alert-channels/{created.json()["id"]}', json={**body, 'secret': None})
    assert kept.json()['has_secret'] is True
    for bad in ('https://evil.example/hook', 'file:///etc/passwd', 'https://user:pw@hooks.plant.example/x'):
        refused = await admin.post('/api/alert-channels', json={**body, 'name': bad[:20], 'target': bad})
        assert refused.status_code == 400, bad
    tech = client_for(make_user(session, 'tech1', Role.CTP_USER))
    seen = (await tech.get('/api/alert-channels')).json()
    assert seen == [{'id': created.json()['id'], 'name': 'Maintenance Teams', 'kind': 'teams', 'target': '',
                     'has_secret': False, 'enabled': True}]


async def test_people_manage_only_their_own_subscriptions(session: Session, client_for: Client) -> None:
    magnus, avalon = make_machine(session, 'Magnus'), make_machine(session, 'Avalon')
    tech = client_for(make_user(session, 'tech1', Role.CTP_USER, [magnus.id]))  # type: ignore[list-item]
    peer = client_for(make_user(session, 'tech2', Role.CTP_USER, [magnus.id]))  # type: ignore[list-item]
    mine = {'channel_kind': 'email', 'address': 'tech1@plant.example', 'machine_ids': [magnus.id],
            'event_kinds': ['problem_created'], 'quiet_start': 1320, 'quiet_end': 360}
    created = await tech.post('/api/alert-subscriptions', json=mine)
    assert created.status_code == 201, created.text
    sub_id = created.json()['id']
    assert (await peer.get('/api/alert-subscriptions')).json() == []
    assert (await peer.put(f'/api/alert-subscriptions/{sub_id}', json=mine)).status_code == 404
    assert (await peer.delete(f'/api/alert-subscriptions/{sub_id}')).status_code == 404
    out_of_scope = await tech.post('/api/alert-subscriptions', json={**mine, 'machine_ids': [avalon.id]})
    assert out_of_scope.status_code == 400
    assert (await tech.post('/api/alert-subscriptions', json={**mine, 'address': 'nope'})).status_code == 400
    assert (await tech.post('/api/alert-subscriptions', json={**mine, 'user_id': 9})).status_code == 400
    assert (await tech.delete(f'/api/alert-subscriptions/{sub_id}')).status_code == 204


async def test_rules_start_with_the_defaults_and_dead_letters_can_be_retried(session: Session,
                                                                            client_for: Client) -> None:
    admin = client_for(make_user(session, 'boss', Role.ADMIN))
    rules = (await admin.get('/api/escalation-rules')).json()
    assert [(r['kind'], r['minutes'], r['target']) for r in rules] == [
        ('not_acknowledged', 10, 'shift_lead'), ('not_acknowledged', 30, 'managers'),
        ('vendor_not_arrived', 240, 'admins')]
    changed = await admin.put(f'/api/escalation-rules/{rules[0]["id"]}',
                              json={'kind': 'not_acknowledged', 'minutes': 15, 'target': 'shift_lead'})
    assert changed.json()['minutes'] == 15
    dead = AlertOutbox(idempotency_key='k1', channel_kind='email', destination='a@b.example', payload='{}',
                       status='dead', attempts=8, last_error='SMTP: timeout')
    session.add(dead)
    session.commit()
    letters = (await admin.get('/api/alert-outbox', params={'status': 'dead'})).json()
    assert letters['total'] == 1 and letters['items'][0]['last_error'] == 'SMTP: timeout'
    assert (await admin.post(f'/api/alert-outbox/{dead.id}/retry')).status_code == 204
    assert (await admin.get('/api/alert-outbox', params={'status': 'dead'})).json()['total'] == 0
    assert (await admin.post('/api/alert-outbox/999999/retry')).status_code == 404
