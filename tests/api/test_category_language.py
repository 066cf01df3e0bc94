"""A problem's category is named in the caller's language wherever the API returns it (the problem list, one
problem, a machine's open problem): the user's own choice, else Accept-Language, else the plant default; the
category's id stays as it is."""
import httpx

from app.db import session_scope
from tests.api.conftest import Plant, token_for
from tests.factories import change_behind_the_pages, report, seeded_category

ENGLISH = 'Plate loading / autoloader – Plate jam'
GERMAN = 'Plattenzufuhr / Autoloader – Plattenstau'


def _jam(plant: Plant) -> int:
    with session_scope() as session:
        jam = seeded_category(session, 'Plate loading / autoloader', 'Plate jam')
        return report(session, plant.admin, plant.press1, description='Jam', category_id=jam.id)


def _labels(answers: list[httpx.Response]) -> list[str | None]:
    """The category label of each answer: a list's first item, a problem, a machine's open problem."""
    list_page, problem, machine = (answer.json() for answer in answers)
    return [list_page['items'][0]['category'], problem['category'], machine['open_problem']['category']]


async def _read(client: httpx.AsyncClient, plant: Plant, log_id: int, headers: dict[str, str]) -> list[str | None]:
    answers = [await client.get('/api/ctp-problem-logs', headers=headers),
               await client.get(f'/api/ctp-problem-logs/{log_id}', headers=headers),
               await client.get(f'/api/ctp-machines/{plant.press1.id}', headers=headers)]
    assert [answer.status_code for answer in answers] == [200, 200, 200], [answer.text for answer in answers]
    return _labels(answers)


async def test_the_category_follows_accept_language(client: httpx.AsyncClient, plant: Plant) -> None:
    log_id = _jam(plant)
    token = token_for(plant.tech)
    assert await _read(client, plant, log_id, token) == [ENGLISH] * 3
    assert await _read(client, plant, log_id, {**token, 'Accept-Language': 'de-DE,de;q=0.9'}) == [GERMAN] * 3
    listed = (await client.get('/api/ctp-problem-logs', headers={**token, 'Accept-Language': 'de'})).json()
    assert listed['items'][0]['subsystem'] == 'Plattenzufuhr / Autoloader'
    assert await _read(client, plant, log_id, token) == [ENGLISH] * 3  # one caller's language stays with its request


async def test_the_users_own_language_beats_accept_language(client: httpx.AsyncClient, plant: Plant) -> None:
    log_id = _jam(plant)
    change_behind_the_pages(plant.tech.id, language='de')
    assert await _read(client, plant, log_id, {**token_for(plant.tech), 'Accept-Language': 'en'}) == [GERMAN] * 3
