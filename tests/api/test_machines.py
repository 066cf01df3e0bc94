"""GET/POST/PUT /api/ctp-machines and the stats endpoint."""
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import time_machine

from app.db import session_scope
from tests.api.conftest import Plant, login, login_admin
from tests.factories import complete, report

# `dates` (tests/clock.py) marks the tests whose figures follow the clock (the stats test sets its own)

URL = '/api/ctp-machines'


@pytest.mark.dates  # tests/clock.py: CI runs it at every pinned moment
async def test_list_shows_machines_in_scope_with_status(client: httpx.AsyncClient, plant: Plant) -> None:
    with session_scope() as session:
        report(session, plant.tech, plant.press1, description='Jam')
    await login_admin(client)
    body = {m['name']: m for m in (await client.get(URL)).json()}
    assert set(body) == {'Kodak Magnus Q800', 'Agfa Avalon N8-90'}
    assert body['Kodak Magnus Q800']['status'] == 'down' and body['Kodak Magnus Q800']['open_problem_count'] == 1
    assert body['Agfa Avalon N8-90']['status'] == 'operational'
    await login(client, 'tech1')
    assert [m['id'] for m in (await client.get(URL)).json()] == [plant.press1.id]
    assert (await client.get(f'{URL}/{plant.press2.id}')).status_code == 404
    assert (await client.get(f'{URL}/{plant.press1.id}')).json()['name'] == 'Kodak Magnus Q800'


@time_machine.travel(datetime(2026, 11, 20, 12, 0, tzinfo=UTC), tick=True)  # the seed's fixed week lies behind now
async def test_stats_of_a_machine(client: httpx.AsyncClient, plant: Plant) -> None:
    start = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    with session_scope() as session:
        log_id = report(session, plant.tech, plant.press1, start=start)
        complete(session, plant.tech, log_id, end=start + timedelta(minutes=90))
    await login_admin(client)
    response = await client.get(f'{URL}/{plant.press1.id}/stats', params={'from': '2026-11-01', 'to': '2026-11-07'})
    assert response.status_code == 200
    body = response.json()
    assert body['failure_count'] == 1 and body['unplanned_downtime_minutes'] == 90
    bad = await client.get(f'{URL}/{plant.press1.id}/stats', params={'from': '2026-11-07', 'to': '2026-11-01'})
    assert bad.status_code == 400 and 'from' in bad.json()['error']['fields']
    assert (await client.get(f'{URL}/999/stats')).status_code == 404


async def test_admin_creates_and_edits_machines(client: httpx.AsyncClient, plant: Plant) -> None:
    await login_admin(client)
    created = await client.post(URL, json={'name': 'Screen PlateRite 8900', 'nickname': 'PR8'})
    assert created.status_code == 201 and created.json()['nickname'] == 'PR8'
    machine_id = created.json()['id']
    assert (await client.post(URL, json={'name': 'Screen PlateRite 8900'})).status_code == 409
    assert (await client.post(URL, json={'name': ''})).status_code == 400
    assert (await client.post(URL, json={'name': 'X', 'speed': 3})).status_code == 400
    assert (await client.post(URL, content=b'name=X', headers={'content-type': 'text/plain'})).status_code == 415
    edited = await client.put(f'{URL}/{machine_id}', json={'location': 'Hall 2', 'retired': True})
    assert edited.status_code == 200 and edited.json()['retired_at'] is not None
    assert (await client.put(f'{URL}/999', json={'location': 'x'})).status_code == 404


async def test_non_admins_cannot_change_machines(client: httpx.AsyncClient, plant: Plant) -> None:
    await login(client, 'tech1')
    assert (await client.post(URL, json={'name': 'Mine'})).status_code == 403
    assert (await client.put(f'{URL}/{plant.press1.id}', json={'nickname': 'x'})).status_code == 403
