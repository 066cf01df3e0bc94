"""The error contract: JSON everywhere under /api/, 401/403/404/405, a logged 500 without internals, request ids."""
import logging

import httpx
import pytest

from app.db import session_scope
from app.models import Role
from app.services import problem_queries
from tests.api.conftest import Plant, login, login_admin
from tests.factories import make_user


async def test_signed_out_is_401_and_a_bad_token_too(client: httpx.AsyncClient) -> None:
    response = await client.get('/api/ctp-problem-logs')
    assert response.status_code == 401
    assert response.json()['error']['code'] == 'not_authenticated'
    assert response.headers['www-authenticate'] == 'Bearer'
    response = await client.get('/api/ctp-machines', headers={'Authorization': 'Bearer ctp_nope'})
    assert response.status_code == 401


async def test_account_without_access_is_403(client: httpx.AsyncClient) -> None:
    with session_scope() as session:
        make_user(session, 'visitor', Role.NONE)
    await login(client, 'visitor')
    response = await client.get('/api/ctp-machines')
    assert response.status_code == 403 and response.json()['error']['code'] == 'forbidden'


async def test_unknown_api_url_is_json_404_but_pages_keep_their_html(client: httpx.AsyncClient) -> None:
    response = await client.get('/api/no-such-thing')
    assert response.status_code == 404
    assert response.headers['content-type'] == 'application/json'
    assert response.json()['error']['code'] == 'not_found'
    await login_admin(client)
    page = await client.get('/no-such-page')
    assert page.status_code == 404 and page.headers['content-type'].startswith('text/html')


async def test_unlisted_method_is_405(client: httpx.AsyncClient, plant: Plant) -> None:
    await login_admin(client)
    response = await client.patch('/api/ctp-problem-logs')
    assert response.status_code == 405
    assert response.json()['error']['code'] == 'method_not_allowed'
    assert 'GET' in response.headers['allow']


async def test_unexpected_failure_is_a_logged_500_without_internals(
        client: httpx.AsyncClient, plant: Plant, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    def explode(*_: object, **__: object) -> None:
        raise RuntimeError('SELECT secret FROM /srv/ctp/data')
    monkeypatch.setattr(problem_queries, 'list_problems', explode)
    await login_admin(client)
    with caplog.at_level(logging.ERROR, logger='app.api.errors'):
        response = await client.get('/api/ctp-problem-logs', headers={'X-Request-ID': 'trace-1234'})
    assert response.status_code == 500
    body = response.json()
    assert body['error']['code'] == 'internal_error' and body['request_id'] == 'trace-1234'
    assert 'secret' not in response.text and 'Traceback' not in response.text
    assert response.headers['x-request-id'] == 'trace-1234'
    record = next(r for r in caplog.records if r.name == 'app.api.errors')
    assert 'trace-1234' in record.getMessage() and record.exc_info is not None


async def test_every_answer_carries_a_request_id(client: httpx.AsyncClient) -> None:
    first = await client.get('/api/ctp-machines')
    second = await client.get('/api/ctp-machines', headers={'X-Request-ID': 'bad id with spaces'})
    assert len(first.headers['x-request-id']) == 32
    assert first.json()['request_id'] == first.headers['x-request-id']
    assert second.headers['x-request-id'] != 'bad id with spaces'
