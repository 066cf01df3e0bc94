"""The JMF/XJMF receiver over HTTP: recorded device messages are stored and answered as the protocol expects;
attacks, oversized bodies, wrong types, unknown links and foreign senders get a JMF error and store nothing."""
import base64
from collections.abc import AsyncIterator
from pathlib import Path
from xml.etree.ElementTree import fromstring

import httpx
import pytest
import time_machine
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlmodel import Session

from app import api
from app.db import session_scope
from app.models import DeviceLink, JmfSignal, Role, User
from app.services.jmf import links
from tests.factories import actor, make_machine, make_user

FIXTURES = Path(__file__).resolve().parents[1] / 'fixtures' / 'jmf'
JMF, XJMF = 'application/vnd.cip4-jmf+xml', 'application/vnd.cip4-xjmf+xml'
NOON = '2026-03-10T10:45:00+01:00'


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    api.install(app)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app, client=('10.1.2.3', 40000)),
                                 base_url='http://test') as client:
        yield client


def link(session: Session, sender: str, device: str = '', addresses: list[str] | None = None) -> str:
    machine = make_machine(session, f'Machine {sender}')
    admin = session.exec(select(User).where(User.role == 'admin')).scalars().first() \
        or make_user(session, 'boss', Role.ADMIN)
    _, secret = links.create_link(session, actor=actor(admin), machine_id=machine.id, sender_id=sender,  # type: ignore[arg-type]
                                  device_id=device, allowed_addresses=addresses)
    return secret


def stored() -> list[tuple[str, str, str]]:
    with session_scope() as session:
        return [(s.device_status, s.state, s.status_details) for s in session.exec(
            select(JmfSignal).order_by(JmfSignal.id)).scalars()]


def parsed(response: httpx.Response) -> tuple[str, list[tuple[str, str | None]]]:
    root = fromstring(response.content)
    items = [(child.tag.split('}')[1], child.get('ReturnCode')) for child in root if 'Header' not in child.tag]
    return root.tag.split('}')[1], items


@time_machine.travel(NOON, tick=False)
async def test_a_jmf_status_signal_is_stored_and_answered(client: httpx.AsyncClient, session: Session) -> None:
    secret = link(session, 'MAGNUS-Q800-01')
    response = await client.post(f'/api/jmf/{secret}', content=(FIXTURES / 'jmf13_signal_status_running.jmf')
                                 .read_bytes(), headers={'Content-Type': JMF})
    assert response.status_code == 200, response.text
    assert response.headers['content-type'].startswith(JMF)
    assert parsed(response) == ('JMF', [('Response', '0')])
    assert fromstring(response.content)[0].get('refID') == 'S_0001_01'
    assert stored() == [('Running', 'production', 'Good')]
    with session_scope() as check:
        assert check.exec(select(DeviceLink.last_signal_at)).scalars().one() is not None


async def test_a_device_that_keeps_the_session_cookie_is_still_heard(client: httpx.AsyncClient,
                                                                       session: Session) -> None:
    """Every answer sets a session cookie; a device that keeps cookies sends it back. The receiver trusts only the
    link's secret, so the cookie must not turn its POST into a browser write that needs the anti-forgery header."""
    secret = link(session, 'MAGNUS-Q800-01')
    response = await client.post(f'/api/jmf/{secret}', content=(FIXTURES / 'jmf13_signal_status_running.jmf')
                                 .read_bytes(), headers={'Content-Type': JMF, 'Cookie': 'session=kept-by-the-device'})
    assert response.status_code == 200, response.text
    assert stored() == [('Running', 'production', 'Good')]


@time_machine.travel(NOON, tick=False)
async def test_an_xjmf_signal_with_basic_auth_is_answered_in_xjmf(client: httpx.AsyncClient,
                                                                  session: Session) -> None:
    secret = link(session, 'AVALON-N8-90')
    basic = base64.b64encode(f'AVALON-N8-90:{secret}'.encode()).decode()
    response = await client.post('/api/jmf', content=(FIXTURES / 'xjmf20_signal_status_offline.xjmf').read_bytes(),
                                 headers={'Content-Type': XJMF, 'Authorization': f'Basic {basic}'})
    assert response.status_code == 200, response.text
    assert parsed(response) == ('XJMF', [('ResponseStatus', '0')])
    assert stored() == [('Offline', 'down', 'BreakDown')]


@time_machine.travel('2026-03-10T12:10:00+00:00', tick=False)
async def test_a_response_to_a_status_query_keeps_only_the_linked_device(client: httpx.AsyncClient,
                                                                          session: Session) -> None:
    secret = link(session, 'PRINERGY-WF1', device='TRENDSETTER-2')
    response = await client.post(f'/api/jmf/{secret}', headers={'Content-Type': JMF},
                                 content=(FIXTURES / 'jmf13_response_status_breakdown.jmf').read_bytes())
    assert response.status_code == 200 and b'1 DeviceInfo of other devices ignored' in response.content
    assert stored() == [('Down', 'down', 'BreakDown')]


@pytest.mark.parametrize('name', ['attack_xxe.jmf', 'attack_billion_laughs.jmf', 'attack_external_dtd.jmf'])
async def test_xml_attacks_get_a_jmf_error_and_store_nothing(client: httpx.AsyncClient, session: Session,
                                                             name: str) -> None:
    secret = link(session, 'MAGNUS-Q800-01')
    response = await client.post(f'/api/jmf/{secret}', content=(FIXTURES / name).read_bytes(),
                                 headers={'Content-Type': JMF})
    assert response.status_code == 400
    assert parsed(response) == ('JMF', [('Response', '3')]) and b'DTDForbidden' in response.content
    assert b'root:' not in response.content and stored() == []
    with session_scope() as check:
        assert 'DTDForbidden' in (check.exec(select(DeviceLink.last_error)).scalars().one() or '')


async def test_an_oversized_message_is_refused_before_it_is_read(client: httpx.AsyncClient, session: Session,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from app.config import get_settings
    monkeypatch.setenv('CTP_JMF_MAX_BYTES', '2048')
    get_settings.cache_clear()
    secret = link(session, 'MAGNUS-Q800-01')
    body = (FIXTURES / 'jmf13_signal_status_running.jmf').read_bytes().replace(b'</JMF>', b' ' * 4096 + b'</JMF>')
    response = await client.post(f'/api/jmf/{secret}', content=body, headers={'Content-Type': JMF})
    assert response.status_code == 413 and parsed(response) == ('JMF', [('Response', '3')])

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while it streams in
        for _ in range(10):
            yield b' ' * 1024
    response = await client.post(f'/api/jmf/{secret}', content=chunks(), headers={'Content-Type': JMF})
    assert response.status_code == 413 and stored() == []


async def test_refusals_are_jmf_errors_never_json(client: httpx.AsyncClient, session: Session) -> None:
    secret = link(session, 'MAGNUS-Q800-01', addresses=['192.168.9.0/24'])
    other = link(session, 'SOMEONE-ELSE')
    body = (FIXTURES / 'jmf13_signal_status_running.jmf').read_bytes()
    cases = [
        ('/api/jmf/jmf_unknown', JMF, body, 401), ('/api/jmf', JMF, body, 401),
        (f'/api/jmf/{secret}', JMF, body, 403),                     # not from the allowed network
        (f'/api/jmf/{other}', JMF, body, 403),                      # another sender's link
        (f'/api/jmf/{other}', 'application/json', b'{}', 415),
        (f'/api/jmf/{other}', JMF, b'<JMF><Signal', 400),
    ]
    for path, kind, content, status in cases:
        response = await client.post(path, content=content, headers={'Content-Type': kind})
        assert response.status_code == status, (path, kind, response.text)
        assert parsed(response)[0] == 'JMF' and parsed(response)[1][0][1] != '0'
    unauthorized = await client.post('/api/jmf/nope', content=body, headers={'Content-Type': JMF})
    assert unauthorized.headers['www-authenticate'].startswith('Basic')
    with session_scope() as check:
        assert check.exec(select(func.count()).select_from(JmfSignal)).one()[0] == 0


@pytest.mark.parametrize('body', [
    b'\xff\xfe\x00<', b"<?xml version='1.0' encoding='UTF-7'?><JMF/>", b'<JMF SenderID="\xff"/>',
    b'<?xml-stylesheet href="http://127.0.0.1:9/x.xsl"?><JMF SenderID="MAGNUS-Q800-01"/>',
    b'<JMF SenderID="MAGNUS-Q800-01"><Signal Type="Status"><DeviceInfo DeviceStatus="Idle" HourCounter="1e400"/>'
    b'</Signal></JMF>', b'<x:JMF xmlns:x="urn:other" SenderID="MAGNUS-Q800-01"/>' + b' ' * 10])
async def test_odd_bytes_never_make_a_server_error(client: httpx.AsyncClient, session: Session, body: bytes) -> None:
    secret = link(session, 'MAGNUS-Q800-01')
    response = await client.post(f'/api/jmf/{secret}', content=body, headers={'Content-Type': JMF})
    assert response.status_code in (200, 400), response.text
    assert fromstring(response.content).tag.endswith('JMF')
