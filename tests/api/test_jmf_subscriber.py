"""CTP Log subscribes to a device: a JMF device simulator on 127.0.0.1 receives Query[@Type="Status"] with
Subscription[@URL] and StatusQuParams as application/vnd.cip4-jmf+xml, answers Subscribed="true", and its Status
signals to that URL reach the machine; renewals give the link a fresh secret; refusals and silence show as health."""
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit
from xml.etree.ElementTree import fromstring

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from app import api
from app.config import get_settings
from app.db import session_scope
from app.errors import InvalidInput
from app.models import JmfSignal, JmfSubscription, Role, utcnow
from app.services.access import Actor
from app.services.jmf import subscriber
from tests.api.conftest import token_for
from tests.factories import actor, make_machine, make_user

NS = '{http://www.CIP4.org/JDFSchema_1_1}'
SUBSCRIBED = (b'<JMF xmlns="http://www.CIP4.org/JDFSchema_1_1" SenderID="PRINERGY" Version="1.3">'
              b'<Response ID="R1" refID="Q1" Type="Status" ReturnCode="0" Subscribed="true"/></JMF>')
REFUSED = (b'<JMF xmlns="http://www.CIP4.org/JDFSchema_1_1" SenderID="PRINERGY" Version="1.3">'
           b'<Response ID="R2" Type="Status" ReturnCode="5"><Notification Class="Error">'
           b'<Comment>Subscriptions disabled</Comment></Notification></Response></JMF>')


class Device:
    """What the simulated workflow server received, and what it answers."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, bytes]] = []
        self.answer = SUBSCRIBED

    def subscription_url(self, index: int = -1) -> str:
        query = fromstring(self.requests[index][1]).find(f'{NS}Query')
        assert query is not None
        subscription = query.find(f'{NS}Subscription')
        assert subscription is not None
        return subscription.get('URL', '')


@pytest.fixture
def device(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Device, str]]:
    state = Device()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
            state.requests.append((self.headers.get('Content-Type', ''), body))
            self.send_response(200)
            self.send_header('Content-Type', 'application/vnd.cip4-jmf+xml')
            self.send_header('Content-Length', str(len(state.answer)))
            self.end_headers()
            self.wfile.write(state.answer)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv('CTP_JMF_SUBSCRIBE_ALLOWED_HOSTS', '["127.0.0.1"]')
    get_settings.cache_clear()
    yield state, f'http://127.0.0.1:{server.server_address[1]}/jmf'
    server.shutdown()
    server.server_close()


@pytest.fixture
async def app_client(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv('CTP_ALLOWED_HOSTS', '["ctp.test"]')  # the address CTP Log gives devices: the receiver checks it
    get_settings.cache_clear()
    app = FastAPI()
    api.install(app)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url='http://ctp.test') as client:
        yield client


def setup(machine_name: str, url: str, sender: str) -> tuple[Actor, int]:
    with session_scope() as session:
        machine = make_machine(session, machine_name)
        admin = actor(make_user(session, 'boss', Role.ADMIN))
        info = subscriber.create_subscription(session, actor=admin, machine_id=machine.id, url=url,  # type: ignore[arg-type]
                                              sender_id=sender)
    return admin, info.id


def health(admin: Actor) -> subscriber.SubscriptionInfo:
    with session_scope() as session:
        [info] = subscriber.list_subscriptions(session, actor=admin)
    return info


async def test_subscription_round_trip_and_renewal(device: tuple[Device, str], app_client: httpx.AsyncClient) -> None:
    state, url = device
    admin, _ = setup('Magnus', url, 'PRINERGY')
    assert subscriber.renew_due('http://ctp.test') == 1
    kind, body = state.requests[0]
    assert kind == 'application/vnd.cip4-jmf+xml'
    query = fromstring(body).find(f'{NS}Query')
    assert query is not None and query.get('Type') == 'Status'
    assert query.find(f'{NS}StatusQuParams').get('DeviceDetails') == 'Details'  # type: ignore[union-attr]
    callback = state.subscription_url()
    assert callback.startswith('http://ctp.test/api/jmf/jmf')
    first = health(admin)
    assert (first.healthy, first.last_error, first.last_signal_at, first.machine_name) == (True, None, None, 'Magnus')
    assert first.next_renewal_at > utcnow() + timedelta(minutes=59)
    signal = (b'<JMF xmlns="http://www.CIP4.org/JDFSchema_1_1" SenderID="PRINERGY" Version="1.3"><Signal ID="S1" '
              b'Type="Status"><DeviceInfo DeviceStatus="Down" StatusDetails="BreakDown"/></Signal></JMF>')
    posted = await app_client.post(urlsplit(callback).path, content=signal,
                                   headers={'Content-Type': 'application/vnd.cip4-jmf+xml'})
    assert posted.status_code == 200, posted.text
    with session_scope() as session:
        assert [s.device_status for s in session.exec(select(JmfSignal)).scalars()] == ['Down']
    assert health(admin).last_signal_at is not None
    assert subscriber.renew_due('http://ctp.test', now=utcnow() + timedelta(hours=2)) == 1  # renewed: a new secret
    assert state.subscription_url() != callback
    again = await app_client.post(urlsplit(callback).path, content=signal,
                                  headers={'Content-Type': 'application/vnd.cip4-jmf+xml'})
    assert again.status_code == 401  # the old secret went with the renewal


def test_a_refusal_or_a_dead_device_shows_in_the_health(device: tuple[Device, str]) -> None:
    state, url = device
    admin, subscription_id = setup('Avalon', url, 'APOGEE')
    state.answer = REFUSED
    assert subscriber.renew_due('http://ctp.test') == 1
    refused = health(admin)
    assert (refused.healthy, refused.last_error) == (False, 'ReturnCode 5: Subscriptions disabled')
    assert refused.next_renewal_at < utcnow() + timedelta(minutes=6)  # retried soon
    with session_scope() as session:
        session.get(JmfSubscription, subscription_id).url = 'http://127.0.0.1:1/jmf'  # type: ignore[union-attr]
        session.commit()
    with httpx.Client() as client:
        error = subscriber.subscribe_now(subscription_id, 'http://ctp.test', client)
    assert error is not None and error.startswith('ConnectError') and health(admin).last_error == error
    with pytest.raises(InvalidInput), session_scope() as session:
        subscriber.create_subscription(session, actor=admin, machine_id=1, url='http://intranet.example/jmf',
                                       sender_id='OTHER')
    with pytest.raises(InvalidInput):
        subscriber.check_url('ftp://127.0.0.1/jmf')


async def test_renew_now_over_rest_asks_the_device_at_once_and_answers_its_health(
        device: tuple[Device, str], app_client: httpx.AsyncClient) -> None:
    state, url = device
    _, subscription_id = setup('Magnus', url, 'PRINERGY')
    with session_scope() as session:
        headers = token_for(make_user(session, 'night-admin', Role.ADMIN))
    renewal = f'/api/jmf-subscriptions/{subscription_id}/renewal'
    answer = await app_client.post(renewal, headers=headers)
    assert answer.status_code == 200, answer.text
    assert len(state.requests) == 1 and state.subscription_url().startswith('http://ctp.test/api/jmf/')
    assert (answer.json()['healthy'], answer.json()['last_error']) == (True, None)
    state.answer = REFUSED
    refused = await app_client.post(renewal, headers=headers)
    assert refused.status_code == 200  # the request was carried out; the device said no, and the health says why
    assert (refused.json()['healthy'], refused.json()['last_error']) == (False, 'ReturnCode 5: Subscriptions disabled')
    gone = await app_client.post('/api/jmf-subscriptions/999999/renewal', headers=headers)
    assert gone.status_code == 404 and len(state.requests) == 2
