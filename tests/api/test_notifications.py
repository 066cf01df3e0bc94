"""/api/ctp-notifications: unread list, all (paginated), mark one read, mark all read."""
import httpx

from app.db import session_scope
from tests.api.conftest import Plant, login, token_for
from tests.factories import report

URL = '/api/ctp-notifications'


def _three_reports(plant: Plant) -> None:
    with session_scope() as session:
        for n in range(3):
            report(session, plant.admin, plant.press1, description=f'Jam {n}')


async def test_unread_then_read_one_then_all(client: httpx.AsyncClient, plant: Plant) -> None:
    _three_reports(plant)
    await login(client, 'tech1')
    page = (await client.get(URL)).json()
    assert (page['total'], page['unread'], len(page['items'])) == (3, 3, 3)
    first = page['items'][0]
    assert first['message'].startswith('Kodak Magnus Q800') and first['is_read'] is False
    marked = await client.put(f'{URL}/{first["id"]}/read')
    assert marked.status_code == 200 and marked.json()['is_read'] is True
    page = (await client.get(URL)).json()
    assert (page['total'], page['unread']) == (2, 2)
    everything = (await client.get(URL, params={'all': 'true', 'limit': 2})).json()
    assert (everything['total'], len(everything['items'])) == (3, 2)
    rest = (await client.get(URL, params={'all': 'true', 'limit': 2, 'offset': 2})).json()
    assert len(rest['items']) == 1
    assert (await client.put(f'{URL}/read-all')).json() == {'marked': 2}
    assert (await client.get(URL)).json()['unread'] == 0


async def test_someone_elses_notification_is_404(client: httpx.AsyncClient, plant: Plant) -> None:
    _three_reports(plant)
    await login(client, 'tech1')
    mine = (await client.get(URL)).json()['items'][0]['id']
    response = await client.put(f'{URL}/{mine}/read', headers=token_for(plant.manager))
    assert response.status_code == 404
    assert (await client.put(f'{URL}/999999/read')).status_code == 404
    assert (await client.get(URL, params={'limit': 500})).status_code == 400
