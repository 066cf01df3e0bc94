"""The REST reads of what machines reported: stops waiting for a reason (and giving it), meters, the ledger and raw
signals; and the receiver's place in the OpenAPI description."""
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import time_machine
from fastapi import FastAPI
from sqlmodel import Session

from app import api, auth
from app.models import ApiToken, Role
from app.services.jmf import links
from tests.factories import actor, make_machine, make_user, seeded_category

FIXTURES = Path(__file__).resolve().parents[1] / 'fixtures' / 'jmf'
JMF = 'application/vnd.cip4-jmf+xml'


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    api.install(app)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url='http://test') as client:
        yield client


def bearer(session: Session, username: str, role: Role, machines: list[int] | None = None) -> dict[str, str]:
    user = make_user(session, username, role, machines)
    session.add(ApiToken(user_id=user.id, name='t', token_hash=auth.token_digest(f'token-{username}')))  # type: ignore[arg-type]
    session.commit()
    return {'Authorization': f'Bearer token-{username}'}


async def test_a_jam_reported_by_the_machine_is_explained_over_rest(client: httpx.AsyncClient,
                                                                    session: Session) -> None:
    machine = make_machine(session)
    jam = seeded_category(session, 'Plate loading / autoloader', 'Plate jam')
    admin = bearer(session, 'boss', Role.ADMIN)
    tech = bearer(session, 'tech', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
    _, secret = links.create_link(session, actor=actor(make_user(session, 'b2', Role.ADMIN)),
                                  machine_id=machine.id, sender_id='MAGNUS-Q800-01')  # type: ignore[arg-type]
    session.rollback()
    for name, moment in (('jmf13_signal_status_running.jmf', '2026-03-10T09:15:01+01:00'),
                         ('jmf13_signal_status_down_paperjam.jmf', '2026-03-10T10:42:08+01:00')):
        with time_machine.travel(moment, tick=False):
            posted = await client.post(f'/api/jmf/{secret}', content=(FIXTURES / name).read_bytes(),
                                       headers={'Content-Type': JMF})
            assert posted.status_code == 200, posted.text
    with time_machine.travel('2026-03-10T10:50:00+01:00', tick=False):
        [stop] = (await client.get('/api/machine-stops?unexplained=true', headers=tech)).json()
        assert (stop['started_at'], stop['suggested_category_id'], stop['ended_at']) == \
            ('2026-03-10T09:42:07Z', jam.id, None)
        given = await client.put(f'/api/machine-stops/{stop["id"]}/reason', json={'note': 'Cassette 2'}, headers=tech)
        assert given.status_code == 200 and given.json()['explained_at'], given.text
        assert (await client.get('/api/machine-stops?unexplained=true', headers=tech)).json() == []
        problem = (await client.get(f'/api/ctp-problem-logs/{stop["log_id"]}', headers=tech)).json()
        assert problem['category_id'] == jam.id and problem['problem_description'].startswith('Cassette 2')
        meters = (await client.get(f'/api/ctp-machines/{machine.id}/meters', headers=tech)).json()
        assert {m['meter']: m['increase'] for m in meters} == {'production': 43, 'total_production': 43,
                                                                'hours': 1.5}
        ledger = (await client.get(f'/api/ctp-machines/{machine.id}/ledger',
                                   params={'start': '2026-03-10T08:00:00Z', 'end': '2026-03-10T09:50:00Z'},
                                   headers=admin)).json()
        assert [(i['state'], i['start'], i['end']) for i in ledger['intervals']] == [
            ('no_data', '2026-03-10T08:00:00Z', '2026-03-10T08:15:00Z'),
            ('production', '2026-03-10T08:15:00Z', '2026-03-10T08:20:00Z'),
            ('no_data', '2026-03-10T08:20:00Z', '2026-03-10T09:42:07Z'),
            ('down', '2026-03-10T09:42:07Z', '2026-03-10T09:47:07Z'),
            ('no_data', '2026-03-10T09:47:07Z', '2026-03-10T09:50:00Z')]
        assert sum(ledger['seconds'].values()) == 110 * 60
        signals = (await client.get(f'/api/ctp-machines/{machine.id}/signals', headers=admin)).json()
        assert [s['device_status'] for s in signals] == ['Stopped', 'Running']
        assert (await client.get(f'/api/ctp-machines/{machine.id}/signals', headers=tech)).status_code == 403
        too_long = await client.get(f'/api/ctp-machines/{machine.id}/ledger', headers=admin,
                                    params={'start': '2025-01-01T00:00:00Z'})
        assert too_long.status_code == 400 and too_long.json()['error']['fields'] == {'start': too_long.json()[
            'error']['message']}


def test_the_receiver_is_described_with_its_xml_bodies() -> None:
    schema = api_schema()
    for path in ('/api/jmf/{secret}', '/api/jmf'):
        operation = schema['paths'][path]['post']
        assert set(operation['requestBody']['content']) == {JMF, 'application/vnd.cip4-xjmf+xml'}
        assert JMF in operation['responses']['400']['content'] and 'security' not in operation
    assert '/api/device-links' in schema['paths'] and '/api/ctp-machines/{machine_id}/ledger' in schema['paths']


def api_schema() -> dict[str, object]:
    from app.api.openapi import build_schema
    app = FastAPI()
    api.install(app)
    return build_schema(app)
