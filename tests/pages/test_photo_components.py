"""PhotoUpload and PhotoGallery with NiceGUI's simulated user: camera upload, refusal, save, thumbnails, dialog."""
import os

import pytest
from nicegui import run, ui
from nicegui.testing import User

from app.config import get_settings
from app.db import session_scope
from app.models.schemas import ProblemLogCreate
from app.services import photos, problem_logs, problem_queries
from components.photo_gallery import PhotoGallery
from components.photo_upload import PhotoUpload
from components.session import current_actor
from tests.factories import PASSWORD, actor, make_machine, make_user, report
from tests.pages.signin import WAIT, sign_in
from tests.photo_corpus import camera_jpeg


def files() -> list[str]:
    folder = get_settings().photo_dir
    return sorted(os.listdir(folder)) if folder.exists() else []


async def report_page(user: User) -> None:
    with session_scope() as session:
        machine = make_machine(session)
        make_user(session, 'tech1', machines=[machine.id])  # type: ignore[list-item]
        machine_id = machine.id

    @ui.page('/photo-form')
    async def photo_form() -> None:
        actor = await current_actor()
        uploader = PhotoUpload(max_photos=2)
        gallery = PhotoGallery([])

        async def save() -> None:
            body = ProblemLogCreate(machine_id=machine_id, problem_description='Banding')  # type: ignore[arg-type]

            def work() -> list[object]:
                with session_scope() as session:
                    outcome = problem_logs.report_problem(session, actor=actor, problem_in=body,  # type: ignore[arg-type]
                                                          photos=uploader.take())
                    return problem_queries.get_problem(session, actor=actor, log_id=outcome.log.id).photos  # type: ignore[arg-type,return-value]
            gallery.set_photos(await run.io_bound(work))  # type: ignore[arg-type]
        ui.button('Save', on_click=save)
        ui.button('Leave', on_click=uploader.delete)

    response = await user.http_client.post('/api/auth/login', json={'username': 'tech1', 'password': PASSWORD})
    assert response.status_code == 200
    await user.open('/photo-form')


def uploader_of(user: User) -> ui.upload:
    return user.find(ui.upload).elements.pop()


async def test_camera_photo_is_attached_saved_and_shown_as_lazy_thumbnail(user: User) -> None:
    await report_page(user)
    upload = uploader_of(user)
    assert upload.props['accept'] == 'image/*' and upload.props['capture'] == 'environment'
    assert upload.props['auto-upload'] is True
    await upload.handle_uploads([ui.upload.SmallFileUpload('C:..\\IMG_1.jpg', 'image/jpeg', camera_jpeg())])
    await user.should_see('1 photo attached', retries=WAIT)  # the upload is processed off the loop
    assert len(files()) == 2
    user.find('Save').click()
    await user.should_see(marker='photo-1', retries=WAIT)
    thumb = user.find(marker='photo-1').elements.pop()
    assert thumb.props['src'] == '/photos/1/thumb' and thumb.props['loading'] == 'lazy'
    user.find(marker='photo-1').click()
    await user.should_see('Before · IMG_1.jpg')
    assert any(getattr(el, 'source', None) == '/photos/1' for el in user.find(ui.image).elements)
    await user.should_see('No photos attached')


async def test_a_fake_photo_is_refused_with_a_message_and_nothing_kept(user: User) -> None:
    await report_page(user)
    html = b'<html><script>alert(1)</script></html>'
    await uploader_of(user).handle_uploads([ui.upload.SmallFileUpload('evil.jpg', 'image/jpeg', html)])
    await user.should_see(marker='photo-refused', content='evil.jpg was not added: this file is not a photo',
                          retries=WAIT)  # the upload is processed off the loop
    await user.should_see('No photos attached')
    assert files() == []


async def test_an_oversized_photo_is_told_on_the_photo_with_the_limit(user: User) -> None:
    await report_page(user)
    limit = get_settings().max_photo_bytes
    uploader_of(user).run_method = lambda *args, **kwargs: None  # type: ignore[method-assign]
    user.find(ui.upload).trigger('rejected', [{'name': 'IMG_0031.jpg', 'size': 31 * 1024 * 1024,
                                               'why': 'max-file-size'}])
    await user.should_see(marker='photo-refused', content=f'IMG_0031.jpg was not added: {limit // (1024 * 1024)} '
                                                           'MB is the most; this one is 31 MB')
    await user.should_see('No photos attached')
    big = ui.upload.SmallFileUpload('big.jpg', 'image/jpeg', camera_jpeg() + b'\0' * limit)
    await uploader_of(user).handle_uploads([big])
    await user.should_see(marker='photo-refused', content='big.jpg was not added: ', retries=WAIT)
    assert files() == []


async def test_more_than_the_allowed_photos_are_refused(user: User) -> None:
    await report_page(user)
    upload = uploader_of(user)
    for index in range(3):
        await upload.handle_uploads([ui.upload.SmallFileUpload(f'p{index}.jpg', 'image/jpeg', camera_jpeg())])
        await user.should_see(f'{min(index + 1, 2)} photo', retries=WAIT)
    await user.should_see(marker='photo-refused', content='at most 2 photos can be added here', retries=WAIT)
    await user.should_see('2 photos attached')
    assert len(files()) == 4


async def test_photos_never_saved_are_discarded_when_the_uploader_goes(user: User) -> None:
    await report_page(user)
    await uploader_of(user).handle_uploads([ui.upload.SmallFileUpload('p.jpg', 'image/jpeg', camera_jpeg())])
    await user.should_see('1 photo attached', retries=WAIT)  # the upload is processed off the loop
    user.find('Leave').click()
    await user.should_not_see('1 photo attached')
    assert files() == []


async def test_the_upload_route_is_capped_on_the_server(user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    await report_page(user)
    url = uploader_of(user).props['url']
    ok = await user.http_client.post(url, files=[('file', ('p.jpg', camera_jpeg(), 'image/jpeg'))])
    assert ok.status_code == 200
    await user.should_see('1 photo attached', retries=WAIT)  # the upload is processed off the loop
    monkeypatch.setenv('CTP_MAX_PHOTO_BYTES', '4096')
    get_settings.cache_clear()

    async def stream() -> object:   # no Content-Length: counted while it arrives
        yield b'--zz\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n'
        for _ in range(64):
            yield b'y' * 65536
    refused = await user.http_client.post(url, content=stream(),
                                          headers={'content-type': 'multipart/form-data; boundary=zz'})
    assert refused.status_code == 413 and 'too large' in refused.json()['error']['message']
    assert len(files()) == 2


# ---- quotas and multipart abuse on the page side (SECURITY.md U8) ---------------------------------------------------

async def test_below_the_free_disk_floor_the_uploader_says_so_and_keeps_nothing(
        user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    await report_page(user)
    monkeypatch.setenv('CTP_MIN_FREE_DISK_MB', str(10 ** 12))
    get_settings.cache_clear()
    await uploader_of(user).handle_uploads([ui.upload.SmallFileUpload('p.jpg', 'image/jpeg', camera_jpeg())])
    await user.should_see(marker='photo-refused', content='p.jpg was not added: the server is short of disk space',
                          retries=WAIT)  # the upload is processed off the loop
    await user.should_see('No photos attached')
    assert files() == []


async def test_the_upload_route_refuses_1001_parts_and_a_100k_field_form_with_400(user: User) -> None:
    await report_page(user)
    url = uploader_of(user).props['url']
    many = [('file', (f'p{n}.jpg', b'x', 'image/jpeg')) for n in range(1001)]
    assert (await user.http_client.post(url, files=many)).status_code == 400
    flood = '&'.join(f'f{n}=x' for n in range(100_000))
    response = await user.http_client.post(url, content=flood,
                                           headers={'content-type': 'application/x-www-form-urlencoded'})
    assert response.status_code == 400
    await user.should_see('No photos attached')
    assert files() == []


async def test_the_problem_page_shows_a_message_when_the_photo_quota_is_used_up(
        user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('CTP_MAX_PHOTOS_PER_PROBLEM', '1')
    get_settings.cache_clear()
    with session_scope() as session:
        machine = make_machine(session)
        tech = make_user(session, 'tech1', machines=[machine.id])  # type: ignore[list-item]
        log_id = report(session, tech, machine)
        photos.attach_photos(session, actor=actor(tech), log_id=log_id, prepared=[photos.prepare_photo(
            camera_jpeg(), 'first.jpg')])
    await sign_in(user, 'tech1', PASSWORD, then=f'/problem-logs/{log_id}')
    await uploader_of(user).handle_uploads([ui.upload.SmallFileUpload('second.jpg', 'image/jpeg', camera_jpeg())])
    await user.should_see(marker='photo-refused', content='a problem can have at most 1 photo; 0 more can be added',
                          retries=WAIT)  # told at once, before the photo is decoded (the same check as at saving)
    await user.should_see('No photos attached')
    assert len(files()) == 2
