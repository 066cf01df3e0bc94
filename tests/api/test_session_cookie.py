"""The session cookie's flags (SECURITY.md A4): HttpOnly, SameSite=Lax, Path=/, no Domain; Secure with the
`__Host-` name over https; its signed (not encrypted) payload holds NiceGUI's opaque session id and nothing else."""
import base64
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from nicegui import core
from nicegui.testing.user_simulation import user_simulation

from app.config import get_settings
from tests.api.conftest import MAIN
from tests.conftest import ADMIN_PASSWORD

LOGIN = {'username': 'admin', 'password': ADMIN_PASSWORD}
HEADERS = {'X-CTP-Request': '1'}


@pytest.fixture
async def https_client(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    """The whole app served as https (CTP_HTTPS=1), read before main.py runs."""
    monkeypatch.setenv('CTP_HTTPS', '1')
    get_settings.cache_clear()
    async with user_simulation(main_file=MAIN):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(core.app), base_url='https://test',
                                     headers=HEADERS) as client:
            yield client


def cookie_parts(response: httpx.Response) -> tuple[str, str, list[str]]:
    """(name, value, lower-cased attributes) of the one Set-Cookie header of a response."""
    headers = response.headers.get_list('set-cookie')
    assert len(headers) == 1, headers
    first, *attributes = [part.strip() for part in headers[0].split(';')]
    name, _, value = first.partition('=')
    return name, value, [a.lower() for a in attributes]


def payload(value: str) -> dict[str, object]:
    """Starlette signs base64(JSON) with itsdangerous: data.timestamp.signature."""
    data = value.split('.')[0]
    return dict(json.loads(base64.b64decode(data + '=' * (-len(data) % 4))))


async def test_the_cookie_over_http_is_httponly_lax_and_holds_only_the_id(client: httpx.AsyncClient) -> None:
    response = await client.post('/api/auth/login', json=LOGIN)
    assert response.status_code == 200
    name, value, attributes = cookie_parts(response)
    assert name == 'session'
    assert {'httponly', 'samesite=lax', 'path=/'} <= set(attributes)
    assert f'max-age={7 * 24 * 3600}' in attributes
    assert 'secure' not in attributes and not any(a.startswith('domain') for a in attributes)
    assert list(payload(value)) == ['id']
    assert ADMIN_PASSWORD not in value and 'admin' not in json.dumps(payload(value))


async def test_over_https_the_cookie_is_secure_and_host_prefixed(https_client: httpx.AsyncClient) -> None:
    response = await https_client.post('/api/auth/login', json=LOGIN)
    assert response.status_code == 200
    name, value, attributes = cookie_parts(response)
    assert name == '__Host-session'
    assert {'secure', 'httponly', 'samesite=lax', 'path=/'} <= set(attributes)
    assert not any(a.startswith('domain') for a in attributes)
    assert list(payload(value)) == ['id']
    assert (await https_client.get('/api/auth/me')).json()['username'] == 'admin'  # the browser sends it back
    schema = (await https_client.get('/api/openapi.json')).json()
    assert schema['components']['securitySchemes']['sessionCookie']['name'] == '__Host-session'


@pytest.mark.parametrize(('env', 'secure'), [
    ({}, False),
    ({'CTP_ENV': 'production'}, True),
    ({'CTP_PUBLIC_ORIGINS': '["https://ctp.plant.example"]'}, True),
    ({'CTP_ENV': 'production', 'CTP_HTTPS': '0'}, False),
    ({'CTP_HTTPS': 'true'}, True),
])
def test_when_cookies_are_secure(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], secure: bool) -> None:
    monkeypatch.delenv('CTP_CHEAP_PASSWORD_HASHES', raising=False)  # test-only: refused outside CTP_ENV=test
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    settings = get_settings()
    assert settings.cookie_secure is secure
    assert settings.session_cookie_name == ('__Host-session' if secure else 'session')
