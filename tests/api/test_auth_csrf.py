"""Cookie-authenticated writes from another site are refused; bearer tokens and our own pages pass."""
import httpx
import pytest
from sqlalchemy import func, select

from app.db import session_scope
from app.models import ApiToken
from tests.conftest import ADMIN_PASSWORD, api_login


def token_count() -> int:
    with session_scope() as session:
        return int(session.exec(select(func.count()).select_from(ApiToken)).one()[0])


@pytest.mark.parametrize('headers', [
    {'Origin': 'https://evil.example'},
    {'Sec-Fetch-Site': 'cross-site'},
    {'Sec-Fetch-Site': 'same-site', 'Origin': 'http://test'},
    {'Referer': 'https://evil.example/page'},
    {'Origin': 'null'},
])
async def test_cross_site_cookie_writes_are_refused(api_client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    await api_login(api_client, 'admin', ADMIN_PASSWORD)
    response = await api_client.post('/api/auth/tokens', json={'name': 'stolen', 'password': ADMIN_PASSWORD},
                                      headers=headers)
    assert response.status_code == 403
    assert 'cross-site' in response.json()['error']['message']
    assert token_count() == 0


@pytest.mark.parametrize('headers', [{'Origin': 'http://test'}, {'Sec-Fetch-Site': 'same-origin'},
                                     {'Referer': 'http://test/profile'}, {}])
async def test_our_own_pages_and_scripts_may_write(api_client: httpx.AsyncClient, headers: dict[str, str]) -> None:
    await api_login(api_client, 'admin', ADMIN_PASSWORD)
    response = await api_client.post('/api/auth/tokens', json={'name': 'laptop', 'password': ADMIN_PASSWORD},
                                      headers=headers)
    assert response.status_code == 201


async def test_a_configured_public_origin_is_allowed(api_client: httpx.AsyncClient,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from app.config import get_settings
    monkeypatch.setenv('CTP_PUBLIC_ORIGINS', '["https://ctp.plant.example"]')
    get_settings.cache_clear()
    await api_login(api_client, 'admin', ADMIN_PASSWORD)
    ok = await api_client.post('/api/auth/tokens', json={'name': 'a', 'password': ADMIN_PASSWORD}, headers={'Origin': 'https://ctp.plant.example'})
    assert ok.status_code == 201


async def test_the_login_form_is_protected_too(api_client: httpx.AsyncClient) -> None:
    response = await api_client.post('/api/auth/login', json={'username': 'admin', 'password': ADMIN_PASSWORD},
                                     headers={'Origin': 'https://evil.example'})
    assert response.status_code == 403
    assert (await api_client.get('/api/auth/me')).status_code == 401


async def test_bearer_requests_are_exempt_and_gets_are_never_blocked(api_client: httpx.AsyncClient) -> None:
    await api_login(api_client, 'admin', ADMIN_PASSWORD)
    made = await api_client.post('/api/auth/tokens', json={'name': 'script', 'password': ADMIN_PASSWORD})
    secret = made.json()['token']
    api_client.cookies.clear()
    evil = {'Origin': 'https://evil.example'}
    created = await api_client.post('/api/categories', json={'name': 'Cooling'},  # a write, as an integration's
                                    headers={**evil, 'Authorization': f'Bearer {secret}'})
    assert created.status_code == 201
    me = await api_client.get('/api/auth/me', headers={**evil, 'Authorization': f'Bearer {secret}'})
    assert me.status_code == 200


def drop_request_header(client: httpx.AsyncClient) -> None:
    """From now on this client writes like a cross-site form or a script that forgot the header."""
    client.headers.pop('X-CTP-Request', None)


async def test_cookie_writes_without_the_request_header_are_refused(api_client: httpx.AsyncClient) -> None:
    await api_login(api_client, 'admin', ADMIN_PASSWORD)
    created = await api_client.post('/api/auth/tokens', json={'name': 'kept', 'password': ADMIN_PASSWORD})
    assert created.status_code == 201
    drop_request_header(api_client)
    for response in (await api_client.post('/api/auth/tokens', json={'name': 'forged', 'password': ADMIN_PASSWORD}),
                     await api_client.delete(f'/api/auth/tokens/{created.json()["id"]}'),
                     await api_client.post('/api/auth/tokens', json={'name': 'x', 'password': ADMIN_PASSWORD},
                                           headers={'X-CTP-Request': '0'})):
        assert response.status_code == 403
        assert 'X-CTP-Request: 1' in response.json()['error']['message']
    assert token_count() == 1
    assert (await api_client.get('/api/auth/me')).status_code == 200  # reads need no header


async def test_the_login_call_needs_the_request_header(api_client: httpx.AsyncClient) -> None:
    drop_request_header(api_client)
    response = await api_login(api_client, 'admin', ADMIN_PASSWORD)
    assert response.status_code == 403
    assert (await api_client.get('/api/auth/me')).status_code == 401


async def test_bearer_callers_need_no_request_header(api_client: httpx.AsyncClient) -> None:
    await api_login(api_client, 'admin', ADMIN_PASSWORD)
    made = await api_client.post('/api/auth/tokens', json={'name': 'script', 'password': ADMIN_PASSWORD})
    secret = made.json()['token']
    api_client.cookies.clear()
    drop_request_header(api_client)
    created = await api_client.post('/api/categories', json={'name': 'Cooling'},  # a write, as an integration's
                                    headers={'Authorization': f'Bearer {secret}'})
    assert created.status_code == 201


@pytest.mark.parametrize(('content', 'kind'), [
    (b'{"name": "plain"}', 'text/plain'),
    (b'name=form', 'application/x-www-form-urlencoded'),
    (b'--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--b--\r\n', 'multipart/form-data; boundary=b'),
    (b'{"name": "untyped"}', None),
])
async def test_a_json_endpoint_refuses_other_bodies_with_415(api_client: httpx.AsyncClient, content: bytes,
                                                             kind: str | None) -> None:
    await api_login(api_client, 'admin', ADMIN_PASSWORD)
    request = api_client.build_request('POST', '/api/auth/tokens', content=content,
                                       headers={'Content-Type': kind} if kind else {})
    if kind is None:
        request.headers.pop('Content-Type', None)
    response = await api_client.send(request)
    assert response.status_code == 415
    assert response.json()['error']['code'] == 'unsupported_media_type'
    assert token_count() == 0


async def test_bearer_callers_get_415_for_text_plain_too(api_client: httpx.AsyncClient) -> None:
    await api_login(api_client, 'admin', ADMIN_PASSWORD)
    made = await api_client.post('/api/auth/tokens', json={'name': 'script', 'password': ADMIN_PASSWORD})
    secret = made.json()['token']
    api_client.cookies.clear()
    response = await api_client.post('/api/auth/tokens', content=b'{"name": "x"}',
                                     headers={'Authorization': f'Bearer {secret}', 'Content-Type': 'text/plain'})
    assert response.status_code == 415
    assert token_count() == 1


async def test_writes_without_a_body_need_no_media_type(api_client: httpx.AsyncClient) -> None:
    await api_login(api_client, 'admin', ADMIN_PASSWORD)
    created = (await api_client.post('/api/auth/tokens', json={'name': 'old', 'password': ADMIN_PASSWORD})).json()
    assert (await api_client.delete(f'/api/auth/tokens/{created["id"]}')).status_code == 204
    assert (await api_client.post('/api/auth/logout')).status_code == 204


async def test_a_cookieless_anonymous_write_is_simply_unauthenticated(api_client: httpx.AsyncClient) -> None:
    drop_request_header(api_client)
    api_client.cookies.clear()
    response = await api_client.post('/api/auth/tokens', json={'name': 'x', 'password': ADMIN_PASSWORD})
    assert response.status_code == 401
