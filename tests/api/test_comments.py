"""/api/ctp-problem-logs/{id}/comments: the team's thread, oldest first; bad bodies are 400 naming the field."""
import httpx

from tests.api.conftest import Plant, login, login_admin

URL = '/api/ctp-problem-logs'


async def test_the_team_comments_and_reads_the_thread_in_order(client: httpx.AsyncClient, plant: Plant) -> None:
    await login_admin(client)
    log = (await client.post(URL, json={'machine_id': plant.press1.id, 'problem_description': 'Jam'})).json()
    first = await client.post(f'{URL}/{log["id"]}/comments', json={'body': 'Checked the rollers'})
    await login(client, 'tech1')
    second = await client.post(f'{URL}/{log["id"]}/comments', json={'body': '  Ordered a belt  '})
    assert (first.status_code, second.status_code) == (201, 201)
    thread = (await client.get(f'{URL}/{log["id"]}/comments')).json()
    assert [(c['author_name'], c['body']) for c in thread] == [('Administrator', 'Checked the rollers'),
                                                               ('Tech1', 'Ordered a belt')]
    audit = (await client.get(f'{URL}/{log["id"]}')).json()['audit']
    assert [(a['action'], a['new']) for a in audit if a['action'] == 'comment'][-1] == ('comment', 'Ordered a belt')


async def test_an_empty_or_too_long_comment_is_refused(client: httpx.AsyncClient, plant: Plant) -> None:
    await login(client, 'tech1')
    log = (await client.post(URL, json={'machine_id': plant.press1.id, 'problem_description': 'Jam'})).json()
    for body in ({'body': '   '}, {'body': 'x' * 2001}, {}):
        response = await client.post(f'{URL}/{log["id"]}/comments', json=body)
        assert response.status_code == 400 and 'body' in response.json()['error']['fields'], response.text
    assert (await client.get(f'{URL}/{log["id"]}/comments')).json() == []
