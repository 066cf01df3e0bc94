"""REST API of preventive maintenance: the same rules as the screens, the error contract, the calendar feed."""
import httpx

from tests.api.conftest import Plant, token_for

TASK = {'title': 'Developer bath change', 'every_n': 1, 'every_unit': 'day', 'at_minute': 0, 'steps': [
    {'label': 'Drain the old developer'},
    {'label': 'Developer conductivity', 'unit': 'mS/cm', 'min_value': 70, 'max_value': 90}]}


async def test_plan_do_and_feed_over_the_api(client: httpx.AsyncClient, plant: Plant) -> None:
    admin, tech = token_for(plant.admin), token_for(plant.tech)
    created = await client.post('/api/maintenance/tasks', json={**TASK, 'machine_id': plant.press1.id}, headers=admin)
    assert created.status_code == 201, created.text
    steps = created.json()['steps']
    due = (await client.get('/api/maintenance/due', headers=tech)).json()
    assert [o['title'] for o in due] == ['Developer bath change'] and due[0]['may_work']
    order = due[0]['id']
    assert (await client.post(f'/api/maintenance/orders/{order}/start', headers=tech)).json()['status'] == \
        'in_progress'
    reading = await client.put(f'/api/maintenance/orders/{order}/readings', headers=tech,
                               json={'step_id': steps[1]['id'], 'value': 65})
    assert reading.json()['out_of_limits'] and 'limits 70–90' in reading.json()['problem_text']
    done = await client.post(f'/api/maintenance/orders/{order}/complete', headers=tech, json={'note': 'ok'})
    assert done.json()['status'] == 'done'
    again = await client.post(f'/api/maintenance/orders/{order}/skip', headers=tech, json={'reason': 'x'})
    assert again.status_code == 409 and again.json()['error']['message']
    url = (await client.post('/api/maintenance/calendar', headers=tech)).json()['url']
    ics = await client.get(url)
    assert ics.status_code == 200 and ics.headers['content-type'].startswith('text/calendar')
    assert 'Kodak Magnus Q800: Developer bath change' in ics.text
    assert (await client.delete('/api/maintenance/calendar', headers=tech)).status_code == 204
    assert (await client.get(url)).status_code == 404


async def test_bad_bodies_are_400(client: httpx.AsyncClient, plant: Plant) -> None:
    admin = token_for(plant.admin)
    no_trigger = {'title': 'Clean', 'machine_id': plant.press1.id}
    assert (await client.post('/api/maintenance/tasks', json=no_trigger, headers=admin)).status_code == 400
    bad_limits = {**TASK, 'machine_id': plant.press1.id,
                  'steps': [{'label': 'T', 'unit': '°C', 'min_value': 30, 'max_value': 20}]}
    assert (await client.post('/api/maintenance/tasks', json=bad_limits, headers=admin)).status_code == 400
    assert (await client.get('/api/maintenance/due?state=later', headers=admin)).status_code == 400
    assert (await client.get('/api/maintenance/calendar/not-a-real-token.ics')).status_code == 404


async def test_statistics_export_has_the_compliance_figure(client: httpx.AsyncClient, plant: Plant) -> None:
    """Two orders due on 10 March: one done the same day, one skipped → 50.0 %."""
    import csv
    import io
    from datetime import UTC, datetime, timedelta

    from app.db import session_scope
    from app.models import MaintenanceOrder
    admin = token_for(plant.admin)
    task = (await client.post('/api/maintenance/tasks', json={**TASK, 'machine_id': plant.press1.id},
                              headers=admin)).json()
    due = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)
    with session_scope() as session:
        session.add_all([MaintenanceOrder(task_id=task['id'], machine_id=plant.press1.id, status='done', due_at=due,  # type: ignore[arg-type]
                                          done_at=due + timedelta(hours=2)),
                         MaintenanceOrder(task_id=task['id'], machine_id=plant.press1.id, status='skipped',  # type: ignore[arg-type]
                                          due_at=due, done_at=due, skip_reason='no chemistry')])
        session.commit()
    response = await client.get('/api/exports/stats.csv?from=2026-03-10&to=2026-03-10', headers=admin)
    rows = {r['Machine']: r for r in csv.DictReader(io.StringIO(response.content.decode('utf-8-sig')))}
    assert (rows['Plant total']['PM due (n)'], rows['Plant total']['PM compliance (%)']) == ('2', '50.0')
    figures = await client.get('/api/maintenance/figures', headers=admin,
                               params={'start': '2026-03-10T00:00:00+01:00', 'end': '2026-03-11T00:00:00+01:00'})
    assert figures.json()['compliance'] == 0.5 and figures.json()['skipped'] == 1
