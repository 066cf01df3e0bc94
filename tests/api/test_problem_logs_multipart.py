"""POST /api/ctp-problem-logs as multipart/form-data: the same fields, `photo` parts, 400 and 413."""

import httpx
import pytest

from app.config import get_settings
from tests.api.conftest import Plant, login
from tests.factories import tiny_jpeg

URL = '/api/ctp-problem-logs'


async def test_form_fields_report_a_problem(client: httpx.AsyncClient, plant: Plant) -> None:
    await login(client, 'tech1')
    response = await client.post(URL, data={'machine_id': str(plant.press1.id), 'problem_description': 'Jam',
                                            'is_stopping': 'false', 'technician_name': ''},
                                 files={'unused': (None, b'')})
    assert response.status_code == 201, response.text
    assert response.json()['is_stopping'] is False and response.json()['technician_name'] is None


async def test_bad_form_fields_are_400(client: httpx.AsyncClient, plant: Plant) -> None:
    await login(client, 'tech1')
    response = await client.post(URL, data={'machine_id': 'seven', 'colour': 'red'}, files={'unused': (None, b'')})
    assert response.status_code == 400
    assert set(response.json()['error']['fields']) == {'machine_id', 'problem_description', 'colour'}
    broken = {'content-type': 'multipart/form-data; boundary=x'}
    response = await client.post(URL, content=b'--x\r\nbroken', headers=broken)
    assert response.status_code == 400


async def test_oversized_photo_is_413(client: httpx.AsyncClient, plant: Plant, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('CTP_MAX_PHOTO_BYTES', '2048')
    get_settings.cache_clear()
    await login(client, 'tech1')
    fields = {'machine_id': str(plant.press1.id), 'problem_description': 'Jam'}
    response = await client.post(URL, data=fields, files={'photo': ('big.jpg', b'x' * 4096, 'image/jpeg')})
    assert response.status_code == 413
    assert (await client.get(URL)).json()['total'] == 0


async def test_photos_are_stored_with_the_problem(client: httpx.AsyncClient, plant: Plant) -> None:
    await login(client, 'tech1')
    jpeg = tiny_jpeg()
    response = await client.post(URL, data={'machine_id': str(plant.press1.id), 'problem_description': 'Jam'},
                                 files=[('photo', ('a.jpg', jpeg, 'image/jpeg')),
                                        ('photo', ('b.jpg', jpeg, 'image/jpeg'))])
    assert response.status_code == 201, response.text
    photos = response.json()['photos']
    assert [p['original_name'] for p in photos] == ['a.jpg', 'b.jpg']
    assert response.json()['problem_photo'] == photos[0]['url']
    served = await client.get(photos[0]['url'])
    assert served.status_code == 200 and served.headers['content-type'] == 'image/jpeg'


async def test_one_bad_photo_stores_nothing(client: httpx.AsyncClient, plant: Plant) -> None:
    await login(client, 'tech1')
    files = [('photo', ('a.jpg', tiny_jpeg(), 'image/jpeg')), ('photo', ('b.jpg', b'<html>x</html>', 'image/jpeg'))]
    response = await client.post(URL, data={'machine_id': str(plant.press1.id), 'problem_description': 'Jam'},
                                 files=files)
    assert response.status_code == 400
    assert (await client.get(URL)).json()['total'] == 0
    assert not [p for p in get_settings().photo_dir.iterdir() if p.is_file()]
