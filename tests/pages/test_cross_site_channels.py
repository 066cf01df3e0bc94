"""NiceGUI's own channels get the API's Origin check (SECURITY.md C2, L5): the upload route and Socket.IO."""
import os

import pytest
from nicegui import ui
from nicegui.testing import User
from starlette.types import Message

from app.api.csrf import CSRFMiddleware
from app.config import get_settings
from app.db import session_scope
from components.photo_upload import PhotoUpload
from tests import asgi
from tests.factories import PASSWORD, make_machine, make_user
from tests.photo_corpus import camera_jpeg

EVIL = {'Origin': 'https://evil.example'}
POLLING = '/_nicegui_ws/socket.io/?EIO=4&transport=polling'


def stored_files() -> list[str]:
    folder = get_settings().photo_dir
    return sorted(os.listdir(folder)) if folder.exists() else []


async def upload_url(user: User) -> str:
    @ui.page('/upload-form')
    def upload_form() -> None:
        PhotoUpload(max_photos=2)

    with session_scope() as session:
        make_user(session, 'tech1', machines=[make_machine(session).id])  # type: ignore[list-item]
    signed_in = await user.http_client.post('/api/auth/login', json={'username': 'tech1', 'password': PASSWORD})
    assert signed_in.status_code == 200
    await user.open('/upload-form')
    return str(user.find(ui.upload).elements.pop().props['url'])


async def test_an_upload_from_another_site_is_refused_and_nothing_stored(user: User) -> None:
    url = await upload_url(user)
    photo = [('file', ('p.jpg', camera_jpeg(), 'image/jpeg'))]
    for headers in (EVIL, {'Sec-Fetch-Site': 'cross-site'}, {'Referer': 'https://evil.example/x'}):
        refused = await user.http_client.post(url, files=photo, headers=headers)
        assert refused.status_code == 403
    await user.should_see('No photos attached')
    assert stored_files() == []
    ok = await user.http_client.post(url, files=photo, headers={'Origin': 'http://test'})
    assert ok.status_code == 200
    await user.should_see('1 photo attached', retries=60)


async def test_socket_io_polling_from_another_site_is_refused(user: User) -> None:
    refused = await user.http_client.get(POLLING, headers=EVIL)
    assert refused.status_code == 403
    assert (await user.http_client.get(POLLING, headers={'Sec-Fetch-Site': 'cross-site'})).status_code == 403
    opened = await user.http_client.get(POLLING, headers={'Origin': 'http://test'})
    assert opened.status_code == 200 and opened.text.startswith('0{')  # engine.io's "open" packet


async def test_a_configured_public_origin_may_open_the_socket(user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('CTP_PUBLIC_ORIGINS', '["https://ctp.plant.example"]')
    get_settings.cache_clear()
    opened = await user.http_client.get(POLLING, headers={'Origin': 'https://ctp.plant.example'})
    assert opened.status_code == 200


async def websocket_handshake(headers: dict[str, str], scheme: str = 'ws') -> list[Message]:
    """What the middleware sends for a websocket handshake to /_nicegui_ws/ (the app behind it accepts)."""
    return await asgi.websocket_handshake(CSRFMiddleware, headers, scheme)


async def test_a_websocket_from_another_site_is_closed_before_accept() -> None:
    assert await websocket_handshake(EVIL) == [{'type': 'websocket.close', 'code': 1008}]
    assert await websocket_handshake({'Origin': 'http://ctp.local'}) == [{'type': 'websocket.accept'}]
    assert await websocket_handshake({'Origin': 'https://ctp.local'}, scheme='wss') == [{'type': 'websocket.accept'}]
    assert (await websocket_handshake({'Origin': 'http://ctp.local'}, scheme='wss'))[0]['type'] == 'websocket.close'
