"""/api/categories and /api/operating-hours: everyone with access reads, admins change, bad input is 400."""
import httpx
import pytest
from sqlmodel import select

from app.db import session_scope
from app.models import Category, OperatingWindow, PlantClosure
from tests.conftest import ADMIN_PASSWORD, api_login
from tests.factories import PASSWORD, make_machine, make_user, report


@pytest.fixture
async def admin(api_client: httpx.AsyncClient) -> httpx.AsyncClient:
    assert (await api_login(api_client, 'admin', ADMIN_PASSWORD)).status_code == 200
    return api_client


async def test_categories_are_a_tree_of_subsystems_and_symptoms(admin: httpx.AsyncClient) -> None:
    tree = (await admin.get('/api/categories')).json()
    loader = next(s for s in tree if s['name'] == 'Plate loading / autoloader')
    assert 'Plate jam' in [c['name'] for c in loader['symptoms']]
    created = await admin.post('/api/categories', json={'name': 'Cooling'})
    assert created.status_code == 201
    symptom = await admin.post('/api/categories', json={'name': 'Chiller alarm', 'parent_id': created.json()['id']})
    assert symptom.status_code == 201 and symptom.json()['parent_id'] == created.json()['id']
    renamed = await admin.put(f'/api/categories/{symptom.json()["id"]}', json={'name': 'Chiller fault alarm'})
    assert renamed.json()['name'] == 'Chiller fault alarm'
    assert (await admin.put(f'/api/categories/{created.json()["id"]}', json={'active': False})).status_code == 200
    names = [s['name'] for s in (await admin.get('/api/categories')).json()]
    assert 'Cooling' not in names
    everything = (await admin.get('/api/categories', params={'include_inactive': True})).json()
    assert 'Cooling' in [s['name'] for s in everything]
    assert (await admin.delete(f'/api/categories/{created.json()["id"]}')).status_code == 204


async def test_a_category_in_use_cannot_be_deleted(admin: httpx.AsyncClient) -> None:
    with session_scope() as session:
        machine = make_machine(session)
        tech = make_user(session, 'tech1', machines=[machine.id])  # type: ignore[list-item]
        jam = session.exec(select(Category).where(Category.name == 'Plate jam')).first()
        report(session, tech, machine, category_id=jam.id)  # type: ignore[union-attr]
    response = await admin.delete(f'/api/categories/{jam.id}')  # type: ignore[union-attr]
    assert response.status_code == 409 and 'deactivate it instead' in response.json()['error']['message']


@pytest.mark.parametrize('body', [{'name': ''}, {'name': ':onCellClicked'}, {'name': 'x' * 121},
                                  {'name': 'Cooling', 'id': 5}, {'name': 'Plate loading / autoloader'}])
async def test_bad_categories_are_refused(admin: httpx.AsyncClient, body: dict[str, object]) -> None:
    with session_scope() as session:
        count = len(session.exec(select(Category)).all())
    assert (await admin.post('/api/categories', json=body)).status_code in (400, 409)
    with session_scope() as session:
        assert len(session.exec(select(Category)).all()) == count


async def test_operating_hours_round_trip(admin: httpx.AsyncClient) -> None:
    assert (await admin.get('/api/operating-hours')).json() == {'windows': [], 'closures': []}
    body = {'windows': [{'weekday': 0, 'start_minute': 360, 'end_minute': 1320},
                        {'weekday': 5, 'start_minute': 360, 'end_minute': 840}],
            'closures': [{'day': '2026-12-25', 'reason': 'Christmas'}]}
    response = await admin.put('/api/operating-hours', json=body)
    assert response.status_code == 200 and response.json() == body
    admin.cookies.clear()
    with session_scope() as session:
        make_user(session, 'manager', 'manager')  # type: ignore[arg-type]
    await api_login(admin, 'manager', PASSWORD)
    assert (await admin.get('/api/operating-hours')).json() == body
    assert (await admin.put('/api/operating-hours', json={'windows': []})).status_code == 403


@pytest.mark.parametrize('body', [
    {'windows': [{'weekday': 7, 'start_minute': 0, 'end_minute': 60}]},
    {'windows': [{'weekday': 1, 'start_minute': 600, 'end_minute': 300}]},
    {'windows': [{'weekday': 1, 'start_minute': 0, 'end_minute': 1441}]},
    {'closures': [{'day': 'tomorrow'}]},
    {'windows': [], 'timezone': 'UTC'},
])
async def test_bad_operating_hours_are_400_and_change_nothing(admin: httpx.AsyncClient,
                                                             body: dict[str, object]) -> None:
    await admin.put('/api/operating-hours', json={'windows': [{'weekday': 0, 'start_minute': 0, 'end_minute': 60}]})
    assert (await admin.put('/api/operating-hours', json=body)).status_code == 400
    with session_scope() as session:
        assert len(session.exec(select(OperatingWindow)).all()) == 1
        assert session.exec(select(PlantClosure)).first() is None


async def test_categories_are_named_per_language_through_the_api(admin: httpx.AsyncClient) -> None:
    created = await admin.post('/api/categories', json={'name': 'Cooling', 'names': {'de': ' Kühlung '}})
    assert created.status_code == 201 and created.json()['names'] == {'de': 'Kühlung'}
    cooling = created.json()['id']
    symptom = await admin.post('/api/categories', json={'name': 'Chiller alarm', 'parent_id': cooling})
    assert symptom.json()['names'] == {}
    renamed = await admin.put(f'/api/categories/{symptom.json()["id"]}', json={'names': {'de': 'Kühleralarm'}})
    assert renamed.status_code == 200 and renamed.json() == {**symptom.json(), 'names': {'de': 'Kühleralarm'}}
    tree = {s['name']: s for s in (await admin.get('/api/categories')).json()}
    assert tree['Cooling']['names'] == {'de': 'Kühlung'}
    assert tree['Cooling']['symptoms'][0]['names'] == {'de': 'Kühleralarm'}
    assert tree['Plate loading / autoloader']['names'] == {'de': 'Plattenzufuhr / Autoloader'}  # the shipped ones
    removed = await admin.put(f'/api/categories/{cooling}', json={'names': {'de': ''}})
    assert removed.json()['names'] == {} and removed.json()['name'] == 'Cooling'


@pytest.mark.parametrize('names', [{'fr': 'Refroidissement'}, {'de': 'x' * 121}, {'de': ':onCellClicked'},
                                   {'de': 'x' * 201}, {'de': 5}, ['de'],
                                   {'de': 'Kühl\x00ung'}, {'de': 'Kühl\x1bung'}])
async def test_bad_names_per_language_are_refused_with_words(admin: httpx.AsyncClient, names: object) -> None:
    created = await admin.post('/api/categories', json={'name': 'Cooling', 'names': names})
    assert created.status_code == 400
    assert all(field.startswith('names') for field in created.json()['error']['fields'])
    jam = next(s for s in (await admin.get('/api/categories')).json() if s['name'] == 'Plate loading / autoloader')
    updated = await admin.put(f'/api/categories/{jam["id"]}', json={'names': names})
    assert updated.status_code == 400
    assert [s['names'] for s in (await admin.get('/api/categories')).json() if s['id'] == jam['id']] == [jam['names']]
    assert 'Cooling' not in [s['name'] for s in (await admin.get('/api/categories')).json()]


async def test_an_unknown_language_is_refused_in_the_callers_language(admin: httpx.AsyncClient) -> None:
    body = {'name': 'Cooling', 'names': {'fr': 'Refroidissement'}}
    english = (await admin.post('/api/categories', json=body)).json()['error']
    german = (await admin.post('/api/categories', json=body, headers={'Accept-Language': 'de'})).json()['error']
    assert english == {'code': 'invalid_input', 'message': 'names are given per language: en, de, not fr',
                       'fields': {'names': 'names are given per language: en, de, not fr'}}
    assert german['message'] == 'Namen werden je Sprache angegeben: en, de, nicht fr'
