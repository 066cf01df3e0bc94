"""deploy/nginx/ctp-log.conf, run for real: nginx over HTTPS in front of two app processes on one PostgreSQL.

The file's own proxy rules; the test changes only what a plant edits (upstream addresses, listen ports, certificate
paths) and wraps it in a minimal nginx.conf with temporary paths. Checked through nginx: API sign-in, the sticky
`ctp_node` cookie, X-Request-ID from nginx's log to the app's, upload limits (413 from nginx, nothing stored), and
a page's websocket that gets a change made through the other upstream. Skips without nginx (`nginx-light`), fails
then under CTP_REQUIRE_NGINX=1 (CI).
"""
import asyncio
import io
import json
import os
import re
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.browser.server import free_port
from tests.conftest import ADMIN_PASSWORD
from tests.nginx_site import NGINX, check_config, nginx_conf, self_signed, start_nginx, wait_healthy, write_site
from tests.test_live_socket_security import connect_tab, wait_for
from tests.test_multiprocess_live import AppProcess, stop_app, two_apps  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.postgres_only, pytest.mark.slow]
REQUIRE_NGINX = os.environ.get('CTP_REQUIRE_NGINX') == '1'  # read once: ctp_env clears CTP_* per test


@dataclass
class Proxy:
    base: str
    plain_port: int
    tls: ssl.SSLContext
    access_log: Path


def require_nginx() -> None:
    if Path(NGINX).is_file() and os.access(NGINX, os.X_OK):
        return
    reason = f'no nginx at {NGINX} (apt-get install nginx-light, or set CTP_NGINX)'
    if REQUIRE_NGINX:
        pytest.fail(f'CTP_REQUIRE_NGINX=1 but {reason}')
    pytest.skip(reason)


@pytest.fixture
def behind_nginx(ctp_env: str, monkeypatch: pytest.MonkeyPatch) -> int:
    """The environment the app processes inherit, as docs/DEPLOYMENT.md sets it behind nginx; nginx's port."""
    require_nginx()
    port = free_port()
    monkeypatch.setenv('CTP_PUBLIC_ORIGINS', json.dumps([f'https://127.0.0.1:{port}']))
    monkeypatch.setenv('CTP_TRUSTED_PROXIES', '["127.0.0.1"]')
    monkeypatch.setenv('CTP_LOG_JSON', '1')
    return port


@pytest.fixture
def proxy(behind_nginx: int, two_apps: tuple[AppProcess, AppProcess], tmp_path: Path) -> Iterator[Proxy]:  # noqa: F811
    a, b = two_apps
    tmp = tmp_path / 'nginx'
    tmp.mkdir()
    cert, key = self_signed(tmp)
    plain = free_port()
    conf = nginx_conf(tmp, write_site(tmp, (a.port, b.port), behind_nginx, plain, cert, key))
    check = check_config(tmp, conf)
    assert check.returncode == 0, check.stderr
    process = start_nginx(tmp, conf)
    tls = ssl.create_default_context(cafile=str(cert))
    base = f'https://127.0.0.1:{behind_nginx}'
    try:
        wait_healthy(process, base, tls)
        yield Proxy(base, plain, tls, tmp / 'access.log')
    finally:
        process.terminate()
        process.wait(10)


def nginx_client(proxy: Proxy, node: str | None = None) -> httpx.Client:
    client = httpx.Client(base_url=proxy.base, verify=proxy.tls, headers={'X-CTP-Request': '1'}, timeout=30)
    if node:
        client.cookies.set('ctp_node', node, domain='127.0.0.1')
    return client


def sign_in(client: httpx.Client) -> httpx.Response:
    response = client.post('/api/auth/login', json={'username': 'admin', 'password': ADMIN_PASSWORD})
    assert response.status_code == 200, response.text
    return response


def served_by(apps: tuple[AppProcess, AppProcess], request_id: str) -> list[int]:
    """The ports of the app processes whose log has a line with this request id."""
    wait_until_logged = time.monotonic() + 5
    while True:
        found = [app.port for app in apps if any(
            json.loads(line).get('request_id') == request_id
            for line in app.log.read_text().splitlines() if line.startswith('{'))]
        if found or time.monotonic() > wait_until_logged:
            return found
        time.sleep(0.05)


def nginx_logged(proxy: Proxy, pattern: str) -> bool:
    """Has nginx's access log a line matching `pattern` (written just after the answer: wait a moment)?"""
    deadline = time.monotonic() + 5
    while not re.search(pattern, proxy.access_log.read_text(), re.M):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def jpeg(size: int) -> bytes:
    """A JPEG of about `size` bytes or more (noise does not compress)."""
    side = int((size / 2) ** 0.5) + 16
    buffer = io.BytesIO()
    Image.frombytes('RGB', (side, side), os.urandom(side * side * 3)).save(buffer, 'JPEG', quality=95)
    return buffer.getvalue()


def stored_photos(apps: tuple[AppProcess, AppProcess]) -> list[Path]:
    return [p for app in apps for p in (app.log.with_suffix('') / 'photos').rglob('*') if p.is_file()]


def test_through_nginx_sign_in_sticks_to_one_process_carries_the_request_id_and_limits_uploads(
        proxy: Proxy, two_apps: tuple[AppProcess, AppProcess]) -> None:  # noqa: F811
    redirect = httpx.get(f'http://127.0.0.1:{proxy.plain_port}/login?x=1')
    assert redirect.status_code == 301 and redirect.headers['location'] == 'https://127.0.0.1/login?x=1'

    with nginx_client(proxy) as client:
        login = sign_in(client)
        assert login.headers['strict-transport-security'] == 'max-age=31536000'
        node = client.cookies['ctp_node']
        assert node in ('a', 'b')
        pinned = two_apps['ab'.index(node)].port
        ids = [login.headers['x-request-id']] + [client.get('/api/auth/me').headers['x-request-id'] for _ in range(4)]
        assert len(set(ids)) == 5
        assert all(served_by(two_apps, rid) == [pinned] for rid in ids)  # all five on the process of the cookie
        assert all(nginx_logged(proxy, rf'^{rid} 200 127\.0\.0\.1:{pinned} ') for rid in ids)  # nginx's own id

        polling = client.get('/_nicegui_ws/socket.io/', params={'EIO': '4', 'transport': 'polling'})
        assert polling.status_code == 200  # Socket.IO's long-polling fallback, with the headers of the others:
        assert nginx_logged(proxy, rf'^{polling.headers["x-request-id"]} 200 ')

        photo = jpeg(2 * 1024 * 1024)  # over the 1 MB for JSON, under the photo routes' limit
        problem = client.post('/api/ctp-problem-logs', data={'machine_id': '1', 'problem_description': 'Plate jam'},
                              files={'photo': ('first.jpg', photo, 'image/jpeg')})
        assert problem.status_code == 201, problem.text
        photos = f'/api/ctp-problem-logs/{problem.json()["id"]}/photos'
        stored = stored_photos(two_apps)
        too_large = client.post(photos, files={'photo': ('big.jpg', b'\xff' * (92 * 1024 * 1024), 'image/jpeg')})
        assert too_large.status_code == 413 and 'nginx' in too_large.text  # refused by nginx, not the app
        assert 'set-cookie' not in too_large.headers  # nginx's own answers never unpin the client
        assert stored_photos(two_apps) == stored
        added = client.post(photos, files={'photo': ('second.jpg', photo, 'image/jpeg')})
        assert added.status_code == 201, added.text
        assert len(client.get(photos.removesuffix('/photos')).json()['photos']) == 2
        assert client.post('/api/auth/logout', content=b'x' * (1024 * 1024 + 1),
                           headers={'Content-Type': 'application/json'}).status_code == 413
        assert client.get('/metrics').status_code == 403  # only the Prometheus server
        assert client.cookies['ctp_node'] == node

    other = 'ba'['ab'.index(node)]
    with nginx_client(proxy, other) as client:
        rid = sign_in(client).headers['x-request-id']
        assert served_by(two_apps, rid) == [two_apps['ab'.index(other)].port]


async def test_a_page_socket_through_nginx_gets_a_change_made_through_the_other_process(
        proxy: Proxy, two_apps: tuple[AppProcess, AppProcess]) -> None:  # noqa: F811
    async with httpx.AsyncClient(base_url=proxy.base, verify=proxy.tls, headers={'X-CTP-Request': '1'},
                                 timeout=30) as tablet:
        tablet.cookies.set('ctp_node', 'a', domain='127.0.0.1')
        assert (await tablet.post('/api/auth/login', json={'username': 'admin', 'password': ADMIN_PASSWORD})
                ).status_code == 200
        tab = await connect_tab(tablet, proxy.base, '/', {'Origin': proxy.base}, ssl_verify=False)
        updates: list[str] = []
        tab.on('update', lambda data: updates.append(json.dumps(data)))
        tab.on('ctp_card', lambda data: updates.append(json.dumps(data)))  # a card comes through its machine's room
        try:
            await asyncio.sleep(0.5)
            assert tab.connected and tab.transport() == 'websocket'
            with nginx_client(proxy, 'b') as writer:
                sign_in(writer)
                reported = await asyncio.to_thread(writer.post, '/api/ctp-problem-logs',
                                                   json={'machine_id': 1, 'problem_description': 'Plate jam'})
                assert reported.status_code == 201, reported.text
                assert served_by(two_apps, reported.headers['x-request-id']) == [two_apps[1].port]
            assert await wait_for(lambda: any('DOWN' in u for u in updates), 30), 'no live update through nginx'
        finally:
            await tab.disconnect()


def test_when_the_pinned_process_is_down_nginx_fails_over_and_the_cookie_follows(
        proxy: Proxy, two_apps: tuple[AppProcess, AppProcess]) -> None:  # noqa: F811
    a, b = two_apps
    with nginx_client(proxy, 'a') as client:
        assert served_by(two_apps, sign_in(client).headers['x-request-id']) == [a.port]
        stop_app(a)
        answer = client.get('/api/auth/me')
        assert served_by(two_apps, answer.headers['x-request-id']) == [b.port]
        assert answer.status_code == 401  # sessions are per instance (unless shared via Redis): sign in again
        assert client.cookies['ctp_node'] == 'b'  # the next requests go straight to b
