"""The API's words in the caller's language: error messages (the user's choice, else Accept-Language, else the plant
default) and notification texts; codes, field names and values stay as they are."""
import httpx

from app.db import session_scope
from app.models import CTPNotification
from tests.api.conftest import Plant, login, token_for
from tests.factories import change_behind_the_pages, report


async def test_the_same_refusal_in_english_and_in_german(client: httpx.AsyncClient, plant: Plant) -> None:
    english = await client.get('/api/ctp-machines/99999', headers=token_for(plant.tech))
    german = await client.get('/api/ctp-machines/99999', headers={**token_for(plant.tech), 'Accept-Language': 'de-DE'})
    assert english.status_code == german.status_code == 404
    assert english.json()['error'] == {'code': 'not_found', 'message': 'machine 99999 not found'}
    assert german.json()['error'] == {'code': 'not_found', 'message': 'Maschine 99999 nicht gefunden'}


async def test_a_users_own_language_beats_accept_language_and_fields_keep_their_names(
        client: httpx.AsyncClient, plant: Plant) -> None:
    change_behind_the_pages(plant.tech.id, language='de')
    await login(client, 'tech1')
    body = {'machine_id': plant.press1.id, 'problem_description': 'Jam', 'start_time': '2099-01-01T00:00:00Z'}
    refused = await client.post('/api/ctp-problem-logs', json=body, headers={'Accept-Language': 'en'})
    assert refused.status_code == 400
    error = refused.json()['error']
    assert error['code'] == 'invalid_input' and list(error['fields']) == ['start_time']
    assert error['message'] == 'start_time kann nicht in der Zukunft liegen'


async def test_notifications_read_in_the_readers_language_old_rows_as_they_were(
        client: httpx.AsyncClient, plant: Plant) -> None:
    with session_scope() as session:
        report(session, plant.admin, plant.press1, description='Jam')
        session.add(CTPNotification(user_id=plant.tech.id, machine_id=plant.press1.id,  # type: ignore[arg-type]
                                    notification_type='problem_created', message='An old English sentence'))
        session.commit()
    await login(client, 'tech1')
    english = [item['message'] for item in (await client.get('/api/ctp-notifications')).json()['items']]
    assert sorted(english) == ['An old English sentence', 'Kodak Magnus Q800: problem reported · machine DOWN']
    await client.put('/api/auth/me/language', json={'language': 'de'})
    german = [item['message'] for item in (await client.get('/api/ctp-notifications')).json()['items']]
    assert sorted(german) == ['An old English sentence', 'Kodak Magnus Q800: Störung gemeldet · Maschine STÖRUNG']


async def test_why_not_follows_the_callers_language_and_abilities_keep_their_names(
        client: httpx.AsyncClient, plant: Plant) -> None:
    with session_scope() as session:
        log_id = report(session, plant.admin, plant.press1, description='Jam')
    english = await client.get(f'/api/ctp-problem-logs/{log_id}', headers=token_for(plant.tech))
    german = await client.get(f'/api/ctp-problem-logs/{log_id}',
                              headers={**token_for(plant.tech), 'Accept-Language': 'de-DE,de;q=0.9'})
    assert english.json()['abilities']['edit'] == 'only the reporter or an admin can edit the report'
    assert german.json()['abilities']['edit'] == 'nur der Melder oder ein Administrator kann die Meldung bearbeiten'
    assert german.json()['abilities'].keys() == english.json()['abilities'].keys() >= {'take', 'edit', 'cancel'}
    assert german.json()['abilities']['take'] is None
    # the user's own choice beats Accept-Language, also on a change's answer
    change_behind_the_pages(plant.tech.id, language='de')
    taken = await client.put(f'/api/ctp-problem-logs/{log_id}', json={'status': 'in_progress'},
                             headers={**token_for(plant.tech), 'Accept-Language': 'en'})
    assert taken.status_code == 200
    assert taken.json()['abilities']['cancel'] == 'nur der Melder oder ein Administrator kann diese Störung stornieren'
