"""A server-side byte cap for the routes that carry photos, enforced while the body streams in (SECURITY.md U1).

Browsers' `max_file_size` is advisory and Starlette parses a whole form, so this ASGI middleware answers 413 as soon
as a declared Content-Length or the bytes actually received pass the cap, before the route has read the body.
"""
import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from app.config import get_settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

FORM_OVERHEAD = 256 * 1024   # multipart boundaries, headers and small fields around the photos
NICEGUI_UPLOAD = re.compile(r'^/_nicegui/client/[^/]+/upload/[^/]+$')
API_PHOTO_ROUTES = re.compile(r'^/api/ctp-problem-logs(/\d+/photos)?/?$')


class BodyTooLarge(Exception):
    """Raised from `receive` once the streamed body passes the cap."""


def photo_body_limit(method: str, path: str) -> int | None:
    """The byte cap for a request, or None when the route carries no photos."""
    if method != 'POST':
        return None
    settings = get_settings()
    if NICEGUI_UPLOAD.match(path):      # the tablet's ui.upload sends one file per request
        return settings.max_photo_bytes + FORM_OVERHEAD
    if API_PHOTO_ROUTES.match(path):    # the API takes up to the per-problem number of photos at once
        return settings.max_photo_bytes * settings.max_photos_per_problem + FORM_OVERHEAD
    return None


def _message(limit: int) -> str:
    settings = get_settings()
    return (f'the upload is too large (at most {settings.max_photo_bytes // (1024 * 1024)} MB per photo, '
            f'{max(1, limit // (1024 * 1024))} MB per request)')


async def _send_error(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({'error': {'code': code, 'message': message}}).encode()
    await send({'type': 'http.response.start', 'status': status,
                'headers': [(b'content-type', b'application/json'), (b'content-length', str(len(body)).encode()),
                            (b'connection', b'close')]})
    await send({'type': 'http.response.body', 'body': body})


class PhotoBodyLimit:
    """ASGI middleware: 413 for photo-carrying requests over the cap, checked before and while reading."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str, str], int | None] = photo_body_limit) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.limit_for(scope.get('method', ''), scope.get('path', '')) if scope['type'] == 'http' else None
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get('headers', [])).get(b'content-length')
        if declared is not None and not declared.isdigit():
            await _send_error(send, 400, 'invalid_input', 'invalid Content-Length header')
            return
        if declared is not None and int(declared) > limit:
            await _send_error(send, 413, 'payload_too_large', _message(limit))
            return
        await self._limited(scope, receive, send, limit)

    async def _limited(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        state = {'received': 0, 'over': False, 'started': False}

        async def counting_receive() -> Message:
            message = await receive()
            if message['type'] == 'http.request':
                state['received'] += len(message.get('body', b''))
                if state['received'] > limit:
                    state['over'] = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            if state['over']:
                return   # whatever the route made of the cut-off body, the answer is our 413
            state['started'] = state['started'] or message['type'] == 'http.response.start'
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except BodyTooLarge:
            pass
        if state['over'] and not state['started']:
            await _send_error(send, 413, 'payload_too_large', _message(limit))
