"""POST/PUT/DELETE /api/ctp-problem-logs: defaults, idempotency, lifecycle, the lost update, roles, bad input."""
import httpx
from sqlalchemy import func, select

from app.db import session_scope
from app.models import CTPProblemLog
from tests.api.conftest import Plant, login, login_admin

URL = '/api/ctp-problem-logs'


def _count() -> int:
    with session_scope() as session:
        return int(session.exec(select(func.count()).select_from(CTPProblemLog)).one()[0])


async def test_report_needs_only_machine_and_description(client: httpx.AsyncClient, plant: Plant) -> None:
    await login(client, 'tech1')
    response = await client.post(URL, json={'machine_id': plant.press1.id, 'problem_description': 'Plate jam'})
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body['status'], body['technician_type'], body['is_stopping']) == ('open', 'internal', True)
    assert body['start_time'] and body['problem_date'] and body['version'] == 1
    assert body['audit'][0]['action'] == 'create'
    machine = (await client.get(f'/api/ctp-machines/{plant.press1.id}')).json()
    assert machine['status'] == 'down' and machine['open_problem_count'] == 1


async def test_idempotency_key_replays_the_first_result(client: httpx.AsyncClient, plant: Plant) -> None:
    await login(client, 'tech1')
    body = {'machine_id': plant.press1.id, 'problem_description': 'Plate jam'}
    headers = {'Idempotency-Key': 'tablet-7:0001'}
    first = await client.post(URL, json=body, headers=headers)
    again = await client.post(URL, json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()['id'] == first.json()['id']
    assert _count() == 1
    other = await client.post(URL, json={**body, 'problem_description': 'Other'}, headers=headers)
    assert other.status_code == 409
    assert _count() == 1
    bad = await client.post(URL, json=body, headers={'Idempotency-Key': 'a b'})
    assert bad.status_code == 400 and 'idempotency-key' in bad.json()['error']['fields']


async def test_bad_reports_are_400_naming_each_field_and_write_nothing(client: httpx.AsyncClient,
                                                                        plant: Plant) -> None:
    await login(client, 'tech1')
    for body, fields in (
            ({'machine_id': plant.press1.id}, {'problem_description'}),
            ({'machine_id': 'x', 'problem_description': ''}, {'machine_id', 'problem_description'}),
            ({'machine_id': plant.press1.id, 'problem_description': 'x', 'colour': 'red'}, {'colour'}),
            ({'machine_id': plant.press1.id, 'problem_description': 'x', 'start_time': '2026-11-01T08:00:00'},
             {'start_time'}),
            ({'machine_id': plant.press1.id, 'problem_description': 'x', 'start_time': '2099-01-01T08:00:00Z'},
             {'start_time'}),
            ({'machine_id': plant.press1.id, 'problem_description': 'x', 'plates_lost': -1}, {'plates_lost'})):
        response = await client.post(URL, json=body)
        assert response.status_code == 400, body
        assert set(response.json()['error']['fields']) == fields
    response = await client.post(URL, content=b'{"machine_id": ', headers={'content-type': 'application/json'})
    assert response.status_code == 400
    assert _count() == 0


async def test_wrong_media_type_is_415_and_huge_json_413(client: httpx.AsyncClient, plant: Plant) -> None:
    await login(client, 'tech1')
    response = await client.post(URL, content=b'machine_id=1', headers={'content-type': 'text/plain'})
    assert response.status_code == 415
    huge = {'machine_id': plant.press1.id, 'problem_description': 'x' * 70_000}
    assert (await client.post(URL, json=huge)).status_code == 413
    log_id = (await client.post(URL, json={'machine_id': plant.press1.id, 'problem_description': 'x'})).json()['id']
    response = await client.put(f'{URL}/{log_id}', content=b'status=cancelled', headers={'content-type': 'text/plain'})
    assert response.status_code == 415


async def test_machine_out_of_scope_is_404_and_manager_may_not_report(client: httpx.AsyncClient,
                                                                       plant: Plant) -> None:
    await login(client, 'tech1')
    response = await client.post(URL, json={'machine_id': plant.press2.id, 'problem_description': 'x'})
    assert response.status_code == 404
    await login(client, 'manager1')
    response = await client.post(URL, json={'machine_id': plant.press1.id, 'problem_description': 'x'})
    assert response.status_code == 403
    assert _count() == 0


async def test_lifecycle_through_put(client: httpx.AsyncClient, plant: Plant) -> None:
    await login(client, 'tech1')
    log = (await client.post(URL, json={'machine_id': plant.press1.id, 'problem_description': 'Jam'})).json()
    path = f'{URL}/{log["id"]}'
    acknowledged = await client.put(path, json={'status': 'in_progress', 'version': log['version']})
    assert acknowledged.status_code == 200 and acknowledged.json()['acknowledged_at']
    incomplete = await client.put(path, json={'status': 'completed'})
    assert incomplete.status_code == 400 and 'solution' in incomplete.json()['error']['fields']
    done = await client.put(path, json={'status': 'completed', 'solution': 'Cleared', 'resolved_by': 'operator'})
    assert done.status_code == 200
    assert done.json()['end_time'] and done.json()['status'] == 'completed'
    assert (await client.put(path, json={'status': 'in_progress'})).status_code == 400  # reopen needs a reason
    reopened = await client.put(path, json={'status': 'in_progress', 'reason': 'Jammed again'})
    assert reopened.status_code == 200 and reopened.json()['end_time'] is None
    cancelled = await client.put(path, json={'status': 'cancelled', 'reason': 'Duplicate'})
    assert cancelled.status_code == 200 and cancelled.json()['cancel_reason'] == 'Duplicate'
    assert (await client.put(path, json={'status': 'completed'})).status_code == 409  # illegal transition


async def test_stale_version_is_409_and_loses_nothing(client: httpx.AsyncClient, plant: Plant) -> None:
    await login_admin(client)
    log = (await client.post(URL, json={'machine_id': plant.press1.id, 'problem_description': 'Jam'})).json()
    path = f'{URL}/{log["id"]}'
    first = await client.put(path, json={'version': log['version'], 'technician_name': 'Anna'})
    assert first.status_code == 200 and first.json()['version'] == log['version'] + 1
    second = await client.put(path, json={'version': log['version'], 'technician_name': 'Ben'})
    assert second.status_code == 409
    assert (await client.get(path)).json()['technician_name'] == 'Anna'
    unversioned = await client.put(path, json={'technician_name': 'Ben'})
    assert unversioned.status_code == 200 and unversioned.json()['technician_name'] == 'Ben'


async def test_only_the_reporter_or_an_admin_edits_the_report_the_team_works_it(client: httpx.AsyncClient,
                                                                                   plant: Plant) -> None:
    await login_admin(client)
    log = (await client.post(URL, json={'machine_id': plant.press1.id, 'problem_description': 'Jam'})).json()
    await login(client, 'tech1')
    response = await client.put(f'{URL}/{log["id"]}', json={'problem_description': 'Mine now'})
    assert response.status_code == 403
    assert response.json()['error']['message'] == 'only the reporter or an admin can edit the report'
    assert (await client.put(f'{URL}/{log["id"]}', json={'technician_name': 'Me'})).status_code == 200
    assert (await client.put(f'{URL}/424242', json={'technician_name': 'Me'})).status_code == 404
    assert (await client.put(f'{URL}/{log["id"]}', json={'nonsense': 1})).status_code == 400


async def test_delete_is_for_admins(client: httpx.AsyncClient, plant: Plant) -> None:
    await login(client, 'tech1')
    log = (await client.post(URL, json={'machine_id': plant.press1.id, 'problem_description': 'Jam'})).json()
    assert (await client.delete(f'{URL}/{log["id"]}')).status_code == 403
    await login_admin(client)
    response = await client.delete(f'{URL}/{log["id"]}')
    assert response.status_code == 204 and response.content == b''
    assert (await client.get(f'{URL}/{log["id"]}')).status_code == 404
    assert (await client.delete(f'{URL}/{log["id"]}')).status_code == 404
