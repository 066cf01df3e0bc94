"""Only our own host names are answered (issue 18, DNS rebinding): a request whose Host header is not derived from
CTP_PUBLIC_ORIGINS (or loopback, or CTP_ALLOWED_HOSTS) gets a 400 in the error contract, HTTP and live socket alike."""
import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

from app.api.hosts import TrustedHosts
from app.config import get_settings
from tests.asgi import websocket_handshake

EVIL = {'Host': 'evil.example'}
POLLING = '/_nicegui_ws/socket.io/?EIO=4&transport=polling'
ORIGIN = '["https://ctp.plant.example"]'


def public_origin(monkeypatch: pytest.MonkeyPatch, origins: str = ORIGIN) -> None:
    monkeypatch.setenv('CTP_PUBLIC_ORIGINS', origins)
    get_settings.cache_clear()


async def test_an_api_call_to_a_foreign_host_gets_the_error_contract(client: httpx.AsyncClient) -> None:
    response = await client.get('/api/auth/me', headers=EVIL)
    assert response.status_code == 400
    body = response.json()
    assert body['error']['code'] == 'invalid_input' and 'address' in body['error']['message']
    assert body['request_id']
    assert 'evil.example' not in response.text


async def test_a_page_on_a_foreign_host_is_a_plain_friendly_page(client: httpx.AsyncClient) -> None:
    response = await client.get('/login', headers=EVIL)
    assert response.status_code == 400
    assert response.headers['content-type'].startswith('text/html')
    assert 'CTP Log' in response.text and 'usual address' in response.text
    assert 'evil.example' not in response.text and 'Traceback' not in response.text


async def test_the_live_socket_on_a_foreign_host_is_refused(client: httpx.AsyncClient) -> None:
    refused = await client.get(POLLING, headers=EVIL)
    assert refused.status_code == 400
    assert (await client.get(POLLING)).status_code == 200  # the test client's own host, http://test


async def test_a_missing_or_malformed_host_is_refused(client: httpx.AsyncClient) -> None:
    for host in ('', 'evil.example:notaport', 'test.evil.example'):
        assert (await client.get('/api/auth/me', headers={'Host': host})).status_code == 400, host


@pytest.mark.parametrize('host', ['localhost', '127.0.0.1:8080', '[::1]:8080', 'test'])
async def test_loopback_and_the_test_client_are_ours_without_origins(client: httpx.AsyncClient, host: str) -> None:
    assert (await client.get('/api/auth/me', headers={'Host': host})).status_code == 401


async def test_with_public_origins_only_their_hosts_and_loopback_are_ours(client: httpx.AsyncClient,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    public_origin(monkeypatch, '["https://ctp.plant.example", "http://10.0.4.17:8080"]')
    for host in ('ctp.plant.example', 'CTP.plant.example:443', '10.0.4.17:8080', '127.0.0.1:8080'):
        assert (await client.get('/api/auth/me', headers={'Host': host})).status_code == 401, host
    for host in ('other.plant.example', '10.0.4.18', 'plant.example'):
        assert (await client.get('/api/auth/me', headers={'Host': host})).status_code == 400, host


async def test_extra_allowed_hosts_are_ours(client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    public_origin(monkeypatch)
    monkeypatch.setenv('CTP_ALLOWED_HOSTS', '["ctp-app-1.internal"]')
    get_settings.cache_clear()
    assert (await client.get('/api/auth/me', headers={'Host': 'ctp-app-1.internal'})).status_code == 401


async def test_the_health_check_answers_any_host(client: httpx.AsyncClient) -> None:
    """Balancers probe the app by its address; /healthz says only "ok" and reads nothing of ours."""
    assert (await client.get('/healthz', headers=EVIL)).status_code == 200


async def handshake(host: str) -> list[Message]:
    return await websocket_handshake(TrustedHosts, {'host': host, 'origin': f'http://{host}'})


async def test_a_websocket_to_a_foreign_host_is_refused_before_accept() -> None:
    """DNS rebinding: evil.example resolves to us, so its page's Origin and Host agree and the Origin check passes."""
    assert await handshake('evil.example') == [{'type': 'websocket.close', 'code': 1008}]
    assert await handshake('localhost:8080') == [{'type': 'websocket.accept'}]


async def test_a_signed_out_page_on_a_foreign_host_is_refused_not_sent_to_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.get('/', headers=EVIL)
    assert response.status_code == 400 and 'usual address' in response.text


async def test_a_websocket_handshake_gets_the_400_where_the_server_can_send_it() -> None:
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise AssertionError('never reached')

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {'type': 'websocket', 'path': '/_nicegui_ws/socket.io/', 'extensions': {'websocket.http.response': {}},
             'headers': [(b'host', b'evil.example')]}
    await TrustedHosts(app)(scope, lambda: None, send)  # type: ignore[arg-type]
    assert sent[0] == {'type': 'websocket.http.response.start', 'status': 400, 'headers': sent[0]['headers']}
    assert b'invalid_input' in sent[1]['body']
