"""/healthz, /metrics and the request id (X-Request-ID, error bodies, log lines)."""
import asyncio
import io
import json
import logging
import sys
import threading
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from app import api, ops
from app.config import get_settings
from app.db import init_engine, session_scope
from app.models import CTPMachine, Role
from tests.factories import make_machine, make_user, report


@pytest.fixture
async def client(ctp_env: str) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    api.install(app)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url='http://testserver') as test_client:
        yield test_client


async def sample(client: httpx.AsyncClient, name: str, **labels: str) -> float | None:
    text = (await client.get('/metrics')).text
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return None


async def test_healthz_is_ok_when_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get('/healthz')
    assert response.status_code == 200
    assert response.json() == {'status': 'ok', 'database': 'ok'}


async def test_healthz_is_503_when_the_database_is_unreachable(client: httpx.AsyncClient, tmp_path: object) -> None:
    init_engine('sqlite:////nonexistent-folder/ctp.sqlite3')
    response = await client.get('/healthz')
    assert response.status_code == 503
    assert response.json() == {'status': 'unavailable', 'database': 'unreachable'}


async def test_healthz_answers_503_at_once_when_the_database_hangs(client: httpx.AsyncClient,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    released = threading.Event()  # the database answers only after the health check has answered
    monkeypatch.setattr(ops, 'check_database', lambda: released.wait(60) or True)
    try:
        response = await asyncio.wait_for(client.get('/healthz'), 30)  # without its own timeout: hangs a minute
    finally:
        released.set()
    assert response.status_code == 503
    assert response.json() == {'status': 'unavailable', 'database': 'unreachable'}


async def test_metrics_count_requests_by_route_template_and_status(client: httpx.AsyncClient) -> None:
    labels = {'route': '/api/ctp-problem-logs/{log_id}', 'method': 'GET', 'status': '401'}
    before = await sample(client, 'ctp_http_requests_total', **labels) or 0.0
    for log_id in (1, 2, 3):
        assert (await client.get(f'/api/ctp-problem-logs/{log_id}')).status_code == 401
    assert await sample(client, 'ctp_http_requests_total', **labels) == before + 3
    assert (await sample(client, 'ctp_http_request_duration_seconds_count', route='/api/ctp-problem-logs/{log_id}',
                   method='GET') or 0) >= 3
    assert 'route="/api/ctp-problem-logs/1"' not in (await client.get('/metrics')).text


async def test_metrics_show_open_problems_by_machine_status_and_connected_clients(client: httpx.AsyncClient) -> None:
    with session_scope() as session:
        machine = make_machine(session, 'Kodak Magnus Q800')
        make_machine(session, 'Agfa Avalon N8-90')
        tech = make_user(session, 'tech1', Role.CTP_USER, [machine.id])  # type: ignore[list-item]
        report(session, tech, machine)
        report(session, tech, machine, description='Second symptom')
        status = session.get(CTPMachine, machine.id).status  # type: ignore[union-attr]
    ops.count_clients_with(lambda: 3)
    assert await sample(client, 'ctp_open_problems', machine_status=status) == 2
    assert await sample(client, 'ctp_connected_clients') == 3


async def test_metrics_need_the_token_when_one_is_configured(client: httpx.AsyncClient,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('CTP_METRICS_TOKEN', 'm' * 40)
    get_settings.cache_clear()
    assert (await client.get('/metrics')).status_code == 401
    assert (await client.get('/metrics', headers={'Authorization': 'Bearer wrong'})).status_code == 401
    assert (await client.get('/metrics', headers={'Authorization': 'Bearer ' + 'm' * 40})).status_code == 200


async def test_every_response_carries_a_request_id_that_matches_the_error_body(client: httpx.AsyncClient) -> None:
    response = await client.get('/api/auth/me')
    assert response.status_code == 401
    assert len(response.headers['X-Request-ID']) == 32
    assert response.json()['request_id'] == response.headers['X-Request-ID']


async def test_a_sane_incoming_request_id_is_kept_and_a_bad_one_replaced(client: httpx.AsyncClient) -> None:
    kept = (await client.get('/healthz', headers={'X-Request-ID': 'lb-0123456789'})).headers['X-Request-ID']
    assert kept == 'lb-0123456789'
    replaced = (await client.get('/healthz', headers={'X-Request-ID': 'x" onload=1'})).headers['X-Request-ID']
    assert replaced != 'x" onload=1' and len(replaced) == 32


async def test_json_log_lines_carry_the_request_id(client: httpx.AsyncClient) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ops.RequestIdFilter())
    handler.setFormatter(ops.JsonFormatter())
    access = logging.getLogger('app.access')
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    try:
        await client.get('/api/auth/me', headers={'X-Request-ID': 'trace-abc-123'})
    finally:
        access.removeHandler(handler)
    entries = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert any(e['request_id'] == 'trace-abc-123' and '/api/auth/me -> 401' in e['message'] for e in entries)


async def test_metrics_are_closed_to_other_hosts_unless_allowed(ctp_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a token, /metrics answers only the addresses of CTP_METRICS_ALLOW (default: this host)."""
    app = FastAPI()
    api.install(app)

    async def status_from(address: str) -> int:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url='http://testserver') as far:
            response = await far.get('/metrics')
            assert response.status_code == 200 or response.json()['error']['code'] == 'forbidden'
            return response.status_code

    assert await status_from('127.0.0.1') == 200 and await status_from('::1') == 200
    assert await status_from('10.20.30.40') == 403 and await status_from('2001:db8::7') == 403
    monkeypatch.setenv('CTP_METRICS_ALLOW', '["10.20.30.0/24"]')  # the Prometheus server's network
    get_settings.cache_clear()
    assert await status_from('10.20.30.40') == 200 and await status_from('10.20.31.1') == 403


def test_logs_go_to_stderr_only_so_the_journal_rotates_them() -> None:
    """Weeks of request lines cannot fill the disk: the app opens no log file of its own (docs/DEPLOYMENT.md)."""
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        ops.configure_logging(as_json=True)
        ours = [h for h in root.handlers if h.get_name() == 'ctp']
        assert len(ours) == 1 and not isinstance(ours[0], logging.FileHandler)
        assert isinstance(ours[0], logging.StreamHandler) and ours[0].stream is sys.stderr
    finally:
        for handler in [h for h in root.handlers if h not in before]:
            root.removeHandler(handler)
