"""POST /api/ctp-problem-logs as multipart/form-data: the same fields, `photo` parts, 400 and 413."""
import sys
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from app.config import get_settings
from app.services import problem_logs
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


async def test_photos_go_through_the_photo_service(client: httpx.AsyncClient, plant: Plant,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The contract with app/services/photos.py (issue 5), checked with a stand-in."""
    calls: list[Any] = []

    def prepare_photo(data: bytes, original_name: str | None) -> str:
        calls.append(('prepare', data, original_name))
        return f'prepared:{original_name}'

    def report_with_photos(session: Any, *, actor: Any, problem_in: Any, prepared: list[str]) -> Any:
        calls.append(('report', prepared))
        return problem_logs.report_problem(session, actor=actor, problem_in=problem_in)

    stand_in = SimpleNamespace(prepare_photo=prepare_photo, report_with_photos=report_with_photos)
    monkeypatch.setitem(sys.modules, 'app.services.photos', stand_in)
    await login(client, 'tech1')
    jpeg = tiny_jpeg()
    response = await client.post(URL, data={'machine_id': str(plant.press1.id), 'problem_description': 'Jam'},
                                 files=[('photo', ('a.jpg', jpeg, 'image/jpeg')),
                                        ('photo', ('b.jpg', jpeg, 'image/jpeg'))])
    assert response.status_code == 201, response.text
    assert calls == [('prepare', jpeg, 'a.jpg'), ('prepare', jpeg, 'b.jpg'), ('report', ['prepared:a.jpg',
                                                                                         'prepared:b.jpg'])]
