"""Crafted input never reaches a 500 (issue 18): cursors out of any column's range are 400, and the page shown for
an unexpected failure names a request id, never the exception's text."""
import base64
import json

import httpx
import pytest

from app.services import machines
from tests.api.conftest import Plant, login, login_admin

URL = '/api/ctp-problem-logs'


def _cursor(*parts: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(parts).encode()).decode().rstrip('=')


@pytest.mark.parametrize(('sort', 'value', 'last_id'), [
    ('-start_time', '2026-11-01T08:00:00+00:00', 10**30),
    ('-start_time', '2026-11-01T08:00:00+00:00', 1e308),
    ('-start_time', '0001-01-01T00:00:00+14:00', 1),
    ('-start_time', '9999-12-31T23:59:59-14:00', 1),
    ('-start_time', '2026-11-01T08:00:00', 1),
    ('-downtime_minutes', 10**30, 1),
    ('-downtime_minutes', 1e308, 1),
    ('-downtime_minutes', float('inf'), 1),
    ('-downtime_minutes', True, 1),
    ('-start_time', '2026-11-01T08:00:00+00:00', 0),
])
async def test_cursors_out_of_range_are_400(client: httpx.AsyncClient, plant: Plant, sort: str, value: object,
                                            last_id: object) -> None:
    await login(client, 'tech1')
    response = await client.get(URL, params={'sort': sort, 'cursor': _cursor(sort, value, last_id)})
    assert response.status_code == 400, response.text
    assert response.json()['error']['fields'] == {'cursor': response.json()['error']['message']}


async def test_a_valid_cursor_still_pages(client: httpx.AsyncClient, plant: Plant) -> None:
    await login(client, 'tech1')
    for text in ('A', 'B', 'C'):
        assert (await client.post(URL, json={'machine_id': plant.press1.id, 'problem_description': text})
                ).status_code == 201
    first = (await client.get(URL, params={'limit': 2})).json()
    rest = (await client.get(URL, params={'limit': 2, 'cursor': first['next_cursor']})).json()
    assert len(first['items']) == 2 and len(rest['items']) == 1


async def test_the_500_page_never_shows_the_exception(client: httpx.AsyncClient, plant: Plant,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError('secret detail from /srv/ctp/app.py')
    monkeypatch.setattr(machines, 'get_machine', broken)
    await login_admin(client)
    transport = httpx.ASGITransport(client._transport.app, raise_app_exceptions=False)  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=transport, base_url='http://test', cookies=client.cookies) as raw:
        response = await raw.get(f'/machines/{plant.press1.id}')
    assert response.status_code == 500
    assert 'secret detail' not in response.text and 'RuntimeError' not in response.text
    assert 'quote request' in response.text
