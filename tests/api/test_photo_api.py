"""Photos over HTTP: the authorized file route with its headers, multipart add/remove, and the byte cap (413)."""
import os

import httpx
import pytest
from nicegui.testing import User

from app.config import get_settings
from app.db import session_scope
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


async def test_other_users_cannot_add_photos(user: User) -> None:
    log_id, _ = problem_with_photo(assigned=True)
    client = await signed_in(user, 'tech1')
    parts = [('photo', ('a.jpg', camera_jpeg(), 'image/jpeg'))]
    assert (await client.post(f'/api/ctp-problem-logs/{log_id}/photos', files=parts)).status_code == 403
    assert len(files()) == 2


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

    from app.api.limits import PhotoBodyLimit
    sent: list[dict[str, object]] = []

    async def app(scope: object, receive: object, send: object) -> None:
        raise AssertionError('the route must not run')

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    async def receive() -> dict[str, object]:
        return {'type': 'http.request', 'body': b'', 'more_body': False}
    scope = {'type': 'http', 'method': 'POST', 'path': '/api/ctp-problem-logs/1/photos',
             'headers': [(b'content-length', b'12x')]}
    asyncio.run(PhotoBodyLimit(app)(scope, receive, send))  # type: ignore[arg-type]
    assert sent[0]['status'] == 400
