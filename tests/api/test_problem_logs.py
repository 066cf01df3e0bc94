"""GET /api/ctp-problem-logs and /{id}: filters, sorting, offset and cursor pagination, text search, scope."""
from datetime import UTC, datetime, timedelta

import httpx

from app.db import session_scope
from app.models import CTPProblemLog
from tests.api.conftest import Plant, login, login_admin
from tests.factories import complete, make_user, report, seeded_category

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # a Monday, 09:00 in Berlin


def _history(plant: Plant) -> dict[str, int]:
    """Six problems on known days; the ids by a short name."""
    with session_scope() as session:
        laser = seeded_category(session, 'Imaging head / laser', 'Low or fading laser power')
        punch = seeded_category(session, 'Punch / registration', 'Punch error')
        ids = {
            'laser1': report(session, plant.tech, plant.press1, start=T0, description='Laser power fading',
                             category_id=laser.id),
            'punch': report(session, plant.tech, plant.press1, start=T0 + timedelta(days=1),
                            description='Punch jammed', category_id=punch.id),
            'vendor': report(session, plant.admin, plant.press2, start=T0 + timedelta(days=2),
                             description='Drum vacuum lost', technician_type='vendor'),
            'laser2': report(session, plant.admin, plant.press2, start=T0 + timedelta(days=3),
                             description='Laser diode dead', category_id=laser.id),
        }
        for name in ('laser1', 'punch', 'vendor'):
            complete(session, plant.admin, ids[name], end=T0 + timedelta(days=3, hours=1),
                     solution='Cleaned the optics' if name == 'punch' else 'Fixed',
                     resolved_by='vendor_onsite' if name == 'vendor' else 'operator')
    return ids


async def _ids(client: httpx.AsyncClient, **params: object) -> list[int]:
    response = await client.get('/api/ctp-problem-logs', params=params)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    return [item['id'] for item in response.json()['items']]


async def test_list_is_newest_first_with_total(client: httpx.AsyncClient, plant: Plant) -> None:
    ids = _history(plant)
    await login_admin(client)
    body = (await client.get('/api/ctp-problem-logs')).json()
    assert body['total'] == 4
    assert [item['id'] for item in body['items']] == [ids['laser2'], ids['vendor'], ids['punch'], ids['laser1']]
    assert body['next_cursor'] is None
    assert body['items'][0]['machine_name'] == 'Agfa Avalon N8-90'


async def test_each_filter_narrows_the_list(client: httpx.AsyncClient, plant: Plant) -> None:
    ids = _history(plant)
    await login_admin(client)
    assert await _ids(client, machine_id=plant.press1.id) == [ids['punch'], ids['laser1']]
    assert await _ids(client, status='open') == [ids['laser2']]
    both = await _ids(client, status=['open', 'completed'], machine_id=plant.press2.id)
    assert both == [ids['laser2'], ids['vendor']]
    assert await _ids(client, technician_type='vendor') == [ids['vendor']]
    assert await _ids(client, **{'from': '2026-11-03', 'to': '2026-11-04'}) == [ids['vendor'], ids['punch']]
    with session_scope() as session:
        laser = seeded_category(session, 'Imaging head / laser', 'Low or fading laser power')
    assert await _ids(client, category=laser.id) == [ids['laser2'], ids['laser1']]
    assert await _ids(client, category=laser.parent_id) == [ids['laser2'], ids['laser1']]


async def test_text_search_finds_words_in_description_and_solution(client: httpx.AsyncClient, plant: Plant) -> None:
    ids = _history(plant)
    await login_admin(client)
    assert await _ids(client, q='laser') == [ids['laser2'], ids['laser1']]
    assert await _ids(client, q='las') == [ids['laser2'], ids['laser1']]  # words match as prefixes
    assert await _ids(client, q='optics') == [ids['punch']]               # the solution is searched too
    assert await _ids(client, q='laser dead') == [ids['laser2']]          # every word must match
    assert await _ids(client, q='"*(') == []                              # no words: a literal substring
    body = (await client.get('/api/ctp-problem-logs', params={'q': 'laser', 'machine_id': plant.press1.id})).json()
    assert body['total'] == 1
    past_the_end = (await client.get('/api/ctp-problem-logs', params={'q': 'laser', 'offset': 10})).json()
    assert (past_the_end['items'], past_the_end['total']) == ([], 2)


async def test_search_follows_edits(client: httpx.AsyncClient, plant: Plant) -> None:
    ids = _history(plant)
    await login_admin(client)
    response = await client.put(f'/api/ctp-problem-logs/{ids["laser2"]}',
                                json={'problem_description': 'Chiller alarm', 'solution': 'Refilled coolant'})
    assert response.status_code == 200
    assert await _ids(client, q='diode') == []
    assert await _ids(client, q='coolant') == [ids['laser2']]


async def test_sorting_is_allow_listed(client: httpx.AsyncClient, plant: Plant) -> None:
    ids = _history(plant)
    await login_admin(client)
    assert await _ids(client, sort='start_time') == [ids['laser1'], ids['punch'], ids['vendor'], ids['laser2']]
    by_downtime = await _ids(client, sort='-downtime_minutes', status='completed')
    assert by_downtime == [ids['laser1'], ids['punch'], ids['vendor']]
    response = await client.get('/api/ctp-problem-logs', params={'sort': 'password_hash'})
    assert response.status_code == 400
    assert 'sort' in response.json()['error']['fields']


async def test_offset_and_cursor_pages_cover_everything_once(client: httpx.AsyncClient, plant: Plant) -> None:
    with session_scope() as session:
        same_start = [report(session, plant.admin, plant.press1, start=T0, description=f'Jam {n}') for n in range(7)]
    await login_admin(client)
    expected = sorted(same_start, reverse=True)  # equal start times: id breaks the tie
    assert await _ids(client, limit=3, offset=3) == expected[3:6]
    seen: list[int] = []
    params: dict[str, object] = {'limit': 3}
    while True:
        body = (await client.get('/api/ctp-problem-logs', params=params)).json()  # type: ignore[arg-type]
        assert body['total'] == 7
        seen += [item['id'] for item in body['items']]
        if body['next_cursor'] is None:
            break
        params['cursor'] = body['next_cursor']
    assert seen == expected


async def test_bad_pagination_is_400(client: httpx.AsyncClient, plant: Plant) -> None:
    await login_admin(client)
    for params in ({'limit': 201}, {'limit': 0}, {'offset': -1}, {'cursor': 'not-a-cursor'},
                   {'from': '2026-11-05', 'to': '2026-11-01'}, {'status': 'broken'}, {'machine_id': 'x'}):
        response = await client.get('/api/ctp-problem-logs', params=params)  # type: ignore[arg-type]
        assert response.status_code == 400, params
        assert response.json()['error']['fields']
    first = (await client.get('/api/ctp-problem-logs', params={'limit': 1})).json()
    assert first['next_cursor'] is None


async def test_a_cursor_belongs_to_its_sort_order(client: httpx.AsyncClient, plant: Plant) -> None:
    _history(plant)
    await login_admin(client)
    cursor = (await client.get('/api/ctp-problem-logs', params={'limit': 1})).json()['next_cursor']
    response = await client.get('/api/ctp-problem-logs', params={'limit': 1, 'cursor': cursor, 'sort': 'id'})
    assert response.status_code == 400
    assert 'cursor' in response.json()['error']['fields']


async def test_ctp_user_sees_only_assigned_machines(client: httpx.AsyncClient, plant: Plant) -> None:
    ids = _history(plant)
    await login(client, 'tech1')
    assert await _ids(client) == [ids['punch'], ids['laser1']]
    assert (await client.get(f'/api/ctp-problem-logs/{ids["vendor"]}')).status_code == 404


async def test_read_one_has_the_audit_trail(client: httpx.AsyncClient, plant: Plant) -> None:
    ids = _history(plant)
    await login_admin(client)
    response = await client.get(f'/api/ctp-problem-logs/{ids["punch"]}')
    assert response.status_code == 200
    body = response.json()
    assert body['status'] == 'completed' and body['solution'] == 'Cleaned the optics'
    assert [entry['action'] for entry in body['audit']][0] == 'create'
    assert 'complete' in [entry['action'] for entry in body['audit']]
    assert (await client.get('/api/ctp-problem-logs/999999')).status_code == 404


async def test_deleted_problems_leave_the_list(client: httpx.AsyncClient, plant: Plant) -> None:
    ids = _history(plant)
    with session_scope() as session:
        log = session.get(CTPProblemLog, ids['laser1'])
        assert log is not None
        log.deleted_at = T0
        session.add(log)
        session.commit()
        make_user(session, 'nobody', 'none')  # type: ignore[arg-type]
    await login_admin(client)
    assert ids['laser1'] not in await _ids(client, q='laser')


async def test_dates_outside_any_calendar_are_400_not_500(client: httpx.AsyncClient, plant: Plant) -> None:
    await login_admin(client)
    for query in ('from=0001-01-01', 'to=9999-12-31'):
        response = await client.get(f'/api/ctp-problem-logs?{query}')
        assert response.status_code == 400, query
        assert set(response.json()['error']['fields']) <= {'from', 'to'}
    stats = await client.get(f'/api/ctp-machines/{plant.press1.id}/stats?from=0001-01-01&to=2026-01-01')
    assert stats.status_code == 400


async def test_a_problem_says_what_the_caller_may_do_next_and_why_not(client: httpx.AsyncClient, plant: Plant) -> None:
    """The REST answer carries the same abilities as the problem page's buttons (access.problem_abilities)."""
    with session_scope() as session:
        make_user(session, 'tech2', machines=[plant.press1.id])  # type: ignore[list-item]
        log_id = report(session, plant.tech, plant.press1, description='Plate jam')
    await login(client, 'tech2')
    abilities = (await client.get(f'/api/ctp-problem-logs/{log_id}')).json()['abilities']
    assert abilities['take'] is None and abilities['complete'] is None and abilities['comment'] is None
    assert abilities['edit'] == 'only the reporter or an admin can edit the report'
    assert 'reopen' not in abilities and 'undo' not in abilities  # not for an open problem / not their report
    await client.post('/api/auth/logout')
    await login(client, 'manager1')
    assert (await client.get(f'/api/ctp-problem-logs/{log_id}')).json()['abilities'] == {}
