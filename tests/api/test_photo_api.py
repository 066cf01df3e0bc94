"""Photos over HTTP: the authorized file route with its headers, multipart add/remove, and the byte cap (413)."""
import os
from typing import Any

import httpx
import pytest
from nicegui.testing import User
from sqlalchemy import select

from app.config import get_settings
from app.db import session_scope
from app.models import CTPProblemLog, ProblemPhoto, UserMachine
from app.models import User as UserRow
from app.services import photos
from tests.factories import PASSWORD, actor, make_machine, make_user, report
from tests.photo_corpus import bad_uploads, camera_jpeg, encoded


def files() -> list[str]:
    folder = get_settings().photo_dir
    return sorted(os.listdir(folder)) if folder.exists() else []


async def signed_in(user: User, username: str) -> httpx.AsyncClient:
    response = await user.http_client.post('/api/auth/login', json={'username': username, 'password': PASSWORD})
    assert response.status_code == 200, response.text
    return user.http_client


def problem_with_photo(assigned: bool = True) -> tuple[int, int]:
    with session_scope() as session:
        machine = make_machine(session)
        owner = make_user(session, 'owner', machines=[machine.id])  # type: ignore[list-item]
        make_user(session, 'tech1', machines=[machine.id] if assigned else [])  # type: ignore[list-item]
        log_id = report(session, owner, machine)
        ready = [photos.prepare_photo(camera_jpeg(), 'jam.jpg')]
        [row] = photos.attach_photos(session, actor=actor(owner), log_id=log_id, prepared=ready)
        return log_id, row.id  # type: ignore[return-value]


async def test_assigned_user_gets_the_photo_with_every_header(user: User) -> None:
    _, photo_id = problem_with_photo(assigned=True)
    client = await signed_in(user, 'tech1')
    for path in (f'/photos/{photo_id}', f'/photos/{photo_id}/thumb'):
        response = await client.get(path)
        assert response.status_code == 200
        assert response.headers['content-type'] == 'image/jpeg'
        assert response.headers['x-content-type-options'] == 'nosniff'
        assert response.headers['content-security-policy'] == "default-src 'none'; sandbox"
        assert response.headers['content-disposition'].startswith('inline; filename="problem-')
        assert response.headers['cache-control'] == 'private, no-store'
        assert response.content.startswith(b'\xff\xd8\xff') and b'Exif' not in response.content


async def test_a_png_named_jpg_is_stored_and_served_as_png(user: User) -> None:
    log_id, _ = problem_with_photo()
    client = await signed_in(user, 'owner')
    parts = [('photo', ('screen.jpg', encoded('PNG', (300, 200), 'RGBA'), 'image/jpeg'))]
    response = await client.post(f'/api/ctp-problem-logs/{log_id}/photos', files=parts)
    assert response.status_code == 201, response.text
    [added] = response.json()
    assert any(name.endswith('.png') for name in files())
    full = await client.get(added['url'])
    assert full.status_code == 200 and full.headers['content-type'] == 'image/png'
    assert full.content.startswith(b'\x89PNG\r\n\x1a\n')
    assert full.headers['content-disposition'].endswith('.png"')
    assert full.headers['cache-control'] == 'private, no-store'
    assert full.headers['x-content-type-options'] == 'nosniff'
    assert full.headers['content-security-policy'] == "default-src 'none'; sandbox"
    thumb = await client.get(added['thumb_url'])
    assert thumb.headers['content-type'] == 'image/jpeg' and thumb.content.startswith(b'\xff\xd8\xff')


async def test_unassigned_user_and_strangers_get_404(user: User) -> None:
    _, photo_id = problem_with_photo(assigned=False)
    client = await signed_in(user, 'tech1')
    assert (await client.get(f'/photos/{photo_id}')).status_code == 404
    assert (await client.get(f'/photos/{photo_id + 1}/thumb')).status_code == 404
    assert (await client.get('/photos/..%2f..%2fx')).status_code == 404
    assert (await client.get('/photos/..%2f..%2fctp-log.sqlite3')).status_code == 404


async def test_signed_out_visitor_gets_no_photo(user: User) -> None:
    _, photo_id = problem_with_photo()
    assert (await user.http_client.get(f'/photos/{photo_id}')).status_code == 401


async def test_owner_adds_photos_by_multipart_and_removes_one(user: User) -> None:
    log_id, _ = problem_with_photo()
    client = await signed_in(user, 'owner')
    parts = [('photo', ('a.jpg', camera_jpeg(), 'image/jpeg')), ('photo', ('../../b.jpg', camera_jpeg(), 'image/jpeg'))]
    response = await client.post(f'/api/ctp-problem-logs/{log_id}/photos', files=parts, data={'kind': 'after'})
    assert response.status_code == 201, response.text
    added = response.json()
    assert [p['kind'] for p in added] == ['after', 'after'] and added[1]['original_name'] == 'b.jpg'
    detail = (await client.get(f'/api/ctp-problem-logs/{log_id}')).json()
    assert len(detail['photos']) == 3 and detail['problem_photo'] == detail['photos'][0]['url']
    assert len(files()) == 6
    gone = await client.delete(f'/api/ctp-problem-logs/{log_id}/photos/{added[0]["id"]}')
    assert gone.status_code == 204 and len(files()) == 4
    assert (await client.get(added[0]['url'])).status_code == 404


@pytest.mark.parametrize('bad', bad_uploads(), ids=lambda b: b.label)
async def test_bad_uploads_get_their_answer_and_store_nothing(user: User, bad: object) -> None:
    log_id, _ = problem_with_photo()
    client = await signed_in(user, 'owner')
    before = files()
    parts = [('photo', ('ok.jpg', camera_jpeg(), 'image/jpeg')), ('photo', (bad.name, bad.data, 'image/jpeg'))]  # type: ignore[attr-defined]
    response = await client.post(f'/api/ctp-problem-logs/{log_id}/photos', files=parts)
    assert response.status_code == bad.status, response.text  # type: ignore[attr-defined]
    assert response.json()['error']['message']
    assert files() == before
    assert len((await client.get(f'/api/ctp-problem-logs/{log_id}')).json()['photos']) == 1


async def test_a_colleague_on_the_machine_adds_photos_and_others_cannot(user: User) -> None:
    log_id, _ = problem_with_photo(assigned=False)
    client = await signed_in(user, 'tech1')
    parts = [('photo', ('a.jpg', camera_jpeg(), 'image/jpeg'))]
    assert (await client.post(f'/api/ctp-problem-logs/{log_id}/photos', files=parts)).status_code == 404
    assert len(files()) == 2
    with session_scope() as session:
        tech = session.exec(select(UserRow).where(UserRow.username == 'tech1')).scalars().one()
        session.add(UserMachine(user_id=tech.id, machine_id=session.get(CTPProblemLog, log_id).machine_id))  # type: ignore[union-attr,arg-type]
        session.commit()
    assert (await client.post(f'/api/ctp-problem-logs/{log_id}/photos', files=parts)).status_code == 201
    assert len(files()) == 4


async def test_a_photo_over_the_cap_is_413(user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    log_id, _ = problem_with_photo()
    client = await signed_in(user, 'owner')
    monkeypatch.setenv('CTP_MAX_PHOTO_BYTES', '4096')
    get_settings.cache_clear()
    before = files()
    parts = [('photo', ('big.jpg', camera_jpeg() + b'\x00' * 8192, 'image/jpeg'))]
    response = await client.post(f'/api/ctp-problem-logs/{log_id}/photos', files=parts)
    assert response.status_code == 413 and 'at most' in response.json()['error']['message']
    assert files() == before


async def test_an_oversized_body_is_cut_off_with_413_before_the_route(user: User,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    log_id, _ = problem_with_photo()
    client = await signed_in(user, 'owner')
    monkeypatch.setenv('CTP_MAX_PHOTO_BYTES', '4096')
    monkeypatch.setenv('CTP_MAX_PHOTOS_PER_PROBLEM', '1')
    get_settings.cache_clear()
    before = files()
    body = b'x' * (2 * 1024 * 1024)
    for path in (f'/api/ctp-problem-logs/{log_id}/photos', '/_nicegui/client/abc/upload/7'):
        declared = await client.post(path, files=[('photo', ('big.jpg', body, 'image/jpeg'))])
        assert declared.status_code == 413 and 'too large' in declared.json()['error']['message']

    async def stream() -> object:   # no Content-Length: the middleware counts what arrives
        yield b'--zz\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"\r\n\r\n'
        for _ in range(64):
            yield b'y' * 65536
    streamed = await client.post(f'/api/ctp-problem-logs/{log_id}/photos', content=stream(),
                                 headers={'content-type': 'multipart/form-data; boundary=zz'})
    assert streamed.status_code == 413 and 'too large' in streamed.json()['error']['message']
    assert files() == before



def test_the_middleware_answers_a_bad_content_length_with_400() -> None:
    import asyncio

    from app.api.limits import BodyLimit
    sent: list[dict[str, object]] = []

    async def app(scope: object, receive: object, send: object) -> None:
        raise AssertionError('the route must not run')

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    async def receive() -> dict[str, object]:
        return {'type': 'http.request', 'body': b'', 'more_body': False}
    scope = {'type': 'http', 'method': 'POST', 'path': '/api/ctp-problem-logs/1/photos',
             'headers': [(b'content-length', b'12x')]}
    asyncio.run(BodyLimit(app)(scope, receive, send))  # type: ignore[arg-type]
    assert sent[0]['status'] == 400


# ---- quotas and multipart abuse (SECURITY.md U8) --------------------------------------------------------------------

def photo_parts(count: int) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [('photo', (f'p{n}.jpg', camera_jpeg(), 'image/jpeg')) for n in range(count)]


async def test_the_photo_after_the_last_allowed_is_429(user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('CTP_MAX_PHOTOS_PER_PROBLEM', '2')
    get_settings.cache_clear()
    log_id, _ = problem_with_photo()
    client = await signed_in(user, 'owner')
    assert (await client.post(f'/api/ctp-problem-logs/{log_id}/photos', files=photo_parts(1))).status_code == 201
    before = files()
    third = await client.post(f'/api/ctp-problem-logs/{log_id}/photos', files=photo_parts(1))
    assert third.status_code == 429
    assert third.json()['error']['message'] == 'a problem can have at most 2 photos; 0 more can be added'
    machine_id = (await client.get(f'/api/ctp-problem-logs/{log_id}')).json()['machine_id']
    new_report = await client.post('/api/ctp-problem-logs', files=photo_parts(3),
                                   data={'machine_id': str(machine_id), 'problem_description': 'Three photos'})
    assert new_report.status_code == 429 and 'at most 2 photos' in new_report.json()['error']['message']
    assert files() == before


async def test_the_daily_upload_bytes_of_a_person_are_capped_with_429(user: User,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    log_id, _ = problem_with_photo()   # the owner has stored one photo today
    client = await signed_in(user, 'owner')
    with session_scope() as session:
        used = sum(photo.size_bytes for photo in session.exec(select(ProblemPhoto)).scalars())
    monkeypatch.setenv('CTP_MAX_PHOTO_BYTES_PER_USER_DAY', str(used + 1024))   # room left, but not for a photo
    get_settings.cache_clear()
    before = files()
    response = await client.post(f'/api/ctp-problem-logs/{log_id}/photos', files=photo_parts(1))
    assert response.status_code == 429, response.text
    assert response.json()['error']['message'].startswith('photo upload limit reached')
    assert 0 < int(response.headers['retry-after']) <= 24 * 3600
    monkeypatch.setenv('CTP_MAX_PHOTO_BYTES_PER_USER_DAY', str(used))          # used up: refused before processing
    get_settings.cache_clear()
    machine_id = (await client.get(f'/api/ctp-problem-logs/{log_id}')).json()['machine_id']
    refused = await client.post('/api/ctp-problem-logs', files=photo_parts(1),
                                data={'machine_id': str(machine_id), 'problem_description': 'Over quota'})
    assert refused.status_code == 429 and 'photo upload limit' in refused.json()['error']['message']
    assert files() == before
    assert (await client.post('/api/ctp-problem-logs', json={'machine_id': machine_id,
                                                             'problem_description': 'No photo'})).status_code == 201


async def test_below_the_free_disk_floor_uploads_are_507_and_nothing_is_stored(
        user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    log_id, _ = problem_with_photo()
    client = await signed_in(user, 'owner')
    monkeypatch.setenv('CTP_MIN_FREE_DISK_MB', str(10 ** 12))   # more than any disk has free
    get_settings.cache_clear()
    before = files()
    response = await client.post(f'/api/ctp-problem-logs/{log_id}/photos', files=photo_parts(1))
    assert response.status_code == 507
    assert response.json()['error']['message'].startswith('the server is short of disk space')
    machine_id = (await client.get(f'/api/ctp-problem-logs/{log_id}')).json()['machine_id']
    refused = await client.post('/api/ctp-problem-logs', files=photo_parts(1),
                                data={'machine_id': str(machine_id), 'problem_description': 'Disk full'})
    assert refused.status_code == 507
    assert files() == before and len((await client.get(f'/api/ctp-problem-logs/{log_id}')).json()['photos']) == 1


async def post_in_one_piece(client: httpx.AsyncClient, path: str, **form: Any) -> httpx.Response:
    """POST a multipart form as one body, as a server receives it from the network in large reads (httpx's test
    transport would hand the app each part's pieces separately: thousands of receive calls, seconds per request)."""
    request = client.build_request('POST', path, **form)
    body = await request.aread()
    return await client.post(path, content=body, headers={'content-type': request.headers['content-type']})


async def test_1001_multipart_parts_and_a_100k_field_form_are_400(user: User) -> None:
    log_id, _ = problem_with_photo()
    client = await signed_in(user, 'owner')
    before = files()
    many_files = [('photo', (f'p{n}.jpg', b'x', 'image/jpeg')) for n in range(1001)]
    many_fields = {f'f{n}': 'x' for n in range(1001)}
    for path in (f'/api/ctp-problem-logs/{log_id}/photos', '/api/ctp-problem-logs'):
        for form, refused in (({'files': many_files}, 'Too many files'),
                              ({'files': photo_parts(1), 'data': many_fields}, 'Too many fields')):
            answer = await post_in_one_piece(client, path, **form)
            assert answer.status_code == 400 and refused in answer.json()['error']['message'], answer.text[:200]
    urlencoded = '&'.join(f'f{n}=x' for n in range(100_000))
    headers = {'content-type': 'application/x-www-form-urlencoded'}
    # a urlencoded flood is refused by its type before any parsing (SECURITY.md U8 asks for a 4xx without the cost;
    # 415 names the cause: these routes read JSON or multipart only)
    for path in (f'/api/ctp-problem-logs/{log_id}/photos', '/api/ctp-problem-logs'):
        flood = await client.post(path, content=urlencoded, headers=headers)
        assert flood.status_code == 415 and flood.json()['error']['message']
    assert files() == before
