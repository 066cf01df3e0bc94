"""GET /api/ctp-machines/{id}/stats: `from`/`to` are plant-local dates, documented as such; a date-time is 400."""
import httpx
import pytest

from tests.api.conftest import Plant, login_admin

URL = '/api/ctp-machines'


@pytest.mark.parametrize('value', ['2026-11-01T12:00:00', '2026-11-01T00:00:00Z', '2026-11-01 00:00', '20261101',
                                   '2026-02-30'])
async def test_a_date_time_or_a_non_date_is_refused_not_truncated(client: httpx.AsyncClient, plant: Plant,
                                                                 value: str) -> None:
    await login_admin(client)
    for name in ('from', 'to'):
        params = {'from': '2026-11-01', 'to': '2026-11-07', name: value}
        response = await client.get(f'{URL}/{plant.press1.id}/stats', params=params)
        assert response.status_code == 400, (name, value)
        assert name in response.json()['error']['fields']


async def test_the_dates_are_documented_as_plant_local_and_inclusive(client: httpx.AsyncClient) -> None:
    spec = (await client.get('/api/openapi.json')).json()
    parameters = {p['name']: p for p in spec['paths']['/api/ctp-machines/{machine_id}/stats']['get']['parameters']}
    for name in ('from', 'to'):
        assert 'plant-local' in parameters[name]['description'] and 'inclusive' in parameters[name]['description']
        assert parameters[name]['schema']['anyOf'][0]['pattern']


async def test_the_stats_carry_each_figure_with_its_n(client: httpx.AsyncClient, plant: Plant) -> None:
    await login_admin(client)
    body = (await client.get(f'{URL}/{plant.press1.id}/stats', params={'from': '2026-11-01'})).json()
    for name in ('ack_count', 'vendor_count', 'episodes', 'reopen_count', 'reopened_failures', 'first_time_fix_rate',
                 'not_machine_fault_count', 'not_machine_fault_minutes'):
        assert name in body
