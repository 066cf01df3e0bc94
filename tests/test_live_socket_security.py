"""A real server (`python main.py`) and python-socketio clients connecting the way a browser tab does:
a handshake from another site is refused (SECURITY.md L5), and deactivating a user closes their open socket (A6)."""
import ast
import asyncio
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
import socketio

from tests.browser.server import ADMIN_PASSWORD, free_port, running_server

pytestmark = pytest.mark.slow
QUERY = re.compile(r'query: (\{.*?\}),\n')
TECH = {'username': 'tech1', 'name': 'Tech One', 'role': 'ctp_user', 'password': 'tablet-pass-2026'}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    with running_server(tmp_path / 'data', free_port()) as base:
        yield base


async def signed_in(http: httpx.AsyncClient, username: str, password: str) -> None:
    response = await http.post('/api/auth/login', json={'username': username, 'password': password})
    assert response.status_code == 200, response.text


async def connect_tab(http: httpx.AsyncClient, base: str, path: str, headers: dict[str, str],
                      client_id: str | None = None, ssl_verify: bool = True) -> socketio.AsyncClient:
    """GET the page, then connect its socket with the page's query (implicit handshake), as NiceGUI's JS does."""
    html = (await http.get(path)).text
    match = QUERY.search(html)
    assert match, html[:300]
    query = {**ast.literal_eval(match.group(1)), 'document_id': str(uuid.uuid4()), 'tab_id': str(uuid.uuid4()),
             'old_tab_id': ''}
    if client_id is not None:
        query['client_id'] = client_id
    query = {k: str(v).lower() if isinstance(v, bool) else v for k, v in query.items()}
    cookie = '; '.join(f'{c.name}={c.value}' for c in http.cookies.jar)
    tab = socketio.AsyncClient(reconnection=False, ssl_verify=ssl_verify)
    await tab.connect(f'{base}?{urlencode(query)}', socketio_path='/_nicegui_ws/socket.io', transports=['websocket'],
                      headers={'Cookie': cookie, **headers}, wait_timeout=10)
    return tab


async def wait_for(condition: object, seconds: float) -> bool:
    for _ in range(int(seconds / 0.05)):
        if condition():  # type: ignore[operator]
            return True
        await asyncio.sleep(0.05)
    return False


async def test_live_sockets_check_the_origin_and_close_when_the_user_is_deactivated(server: str) -> None:
    async with httpx.AsyncClient(base_url=server, headers={'X-CTP-Request': '1'}, timeout=30) as admin, \
            httpx.AsyncClient(base_url=server, headers={'X-CTP-Request': '1'}, timeout=30) as tablet:
        await signed_in(admin, 'admin', ADMIN_PASSWORD)
        created = await admin.post('/api/users', json=TECH)
        assert created.status_code == 201, created.text
        await signed_in(tablet, TECH['username'], TECH['password'])

        with pytest.raises(socketio.exceptions.ConnectionError):
            await connect_tab(tablet, server, '/profile', {'Origin': 'https://evil.example'})
        with pytest.raises(socketio.exceptions.ConnectionError):  # a made-up client id
            await connect_tab(tablet, server, '/profile', {'Origin': server}, client_id=str(uuid.uuid4()))

        tab = await connect_tab(tablet, server, '/profile', {'Origin': server})
        assert tab.connected
        await asyncio.sleep(1)
        assert tab.connected  # an ordinary open page stays connected

        changed = await admin.put(f'/api/users/{created.json()["id"]}', json={'is_active': False})
        assert changed.status_code == 200
        assert await wait_for(lambda: not tab.connected, 30), 'the deactivated user\'s socket is still open'
        assert (await tablet.get('/api/auth/me')).status_code == 401
        await tab.disconnect()


async def test_live_updates_are_sent_uncompressed_unless_configured(server: str) -> None:
    """Per-message deflate cost the server ~25 % of its CPU per change with 50 screens (docs/BENCHMARKS.md): a
    browser that offers it is answered without it (CTP_WS_COMPRESSION=1 turns it back on)."""
    host, port = server.removeprefix('http://').split(':')
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(('GET /_nicegui_ws/socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n'
                  f'Host: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
                  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n'
                  'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n').encode())
    await writer.drain()
    head = (await asyncio.wait_for(reader.readuntil(b'\r\n\r\n'), 10)).decode().lower()
    writer.close()
    assert head.startswith('http/1.1 101')  # the socket was accepted ...
    assert 'sec-websocket-extensions' not in head  # ... without compression
