"""The devices' lane (app/api/device_lane.py): JMF/XJMF posts to the full app skip the screens' middleware (no
session cookie, no CSRF or page-route work) yet keep the host check, the error contract, request ids and metrics."""
import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from app.api.device_lane import LANE_PATH
from app.db import session_scope
from app.models import JmfSignal
from tests.api.test_jmf_receiver import FIXTURES, JMF, link
from tests.api.test_ops import sample

RUNNING = (FIXTURES / 'jmf13_signal_status_running.jmf').read_bytes()


def signals() -> int:
    with session_scope() as session:
        return int(session.exec(select(func.count()).select_from(JmfSignal)).scalar_one())


async def test_a_device_post_gets_no_session_cookie_but_a_request_id(client: httpx.AsyncClient,
                                                                    session: Session) -> None:
    """Inside the main stack NiceGUI's storage middleware gave every device answer a session cookie."""
    secret = link(session, 'MAGNUS-Q800-01')
    response = await client.post(f'/api/jmf/{secret}', content=RUNNING, headers={'Content-Type': JMF})
    assert response.status_code == 200, response.text
    assert 'set-cookie' not in response.headers and 'Cookie' not in response.headers.get('vary', '')
    assert len(response.headers['x-request-id']) >= 8
    assert signals() == 1


async def test_the_host_check_guards_the_lane(client: httpx.AsyncClient, session: Session) -> None:
    secret = link(session, 'MAGNUS-Q800-01')
    response = await client.post(f'/api/jmf/{secret}', content=RUNNING,
                                 headers={'Content-Type': JMF, 'Host': 'evil.example'})
    assert response.status_code == 400
    assert response.json()['error']['code'] == 'invalid_input' and response.json()['request_id']
    assert signals() == 0


async def test_the_lane_answers_in_the_error_contract(client: httpx.AsyncClient) -> None:
    response = await client.get('/api/jmf')
    assert response.status_code == 405
    assert response.json()['error']['message'] and response.json()['request_id'] == response.headers['x-request-id']


async def test_the_lane_counts_its_requests_by_route_template(client: httpx.AsyncClient, session: Session) -> None:
    secret = link(session, 'MAGNUS-Q800-01')
    labels = {'route': '/api/jmf/{secret}', 'method': 'POST', 'status': '200'}
    before = await sample(client, 'ctp_http_requests_total', **labels) or 0.0
    for _ in range(2):
        assert (await client.post(f'/api/jmf/{secret}', content=RUNNING, headers={'Content-Type': JMF})) \
            .status_code == 200
    assert await sample(client, 'ctp_http_requests_total', **labels) == before + 2
    assert secret not in (await client.get('/metrics')).text


async def test_the_device_links_routes_stay_in_the_main_app(client: httpx.AsyncClient) -> None:
    """`/api/jmf-subscriptions` is an admin's, signed in through the session: not the lane's."""
    response = await client.get('/api/jmf-subscriptions')
    assert response.status_code == 401 and response.json()['error']['code'] == 'not_authenticated'


@pytest.mark.parametrize(('path', 'taken'), [
    ('/api/jmf', True), ('/api/jmf/', True), ('/api/jmf/jmf_secret-Token_1', True),
    ('/api/jmf-subscriptions', False), ('/api/jmf-subscriptions/1/renewal', False), ('/api/jmf/a/b', False),
    ('/api/jmfx', False), ('/api/device-links', False), ('/', False)])
def test_only_the_receivers_paths_take_the_lane(path: str, taken: bool) -> None:
    assert bool(LANE_PATH.fullmatch(path)) is taken
