"""One byte cap for every request body, enforced while the body streams in (SECURITY.md U1, issue 18).

JSON and everything else: 64 KB; the routes that carry photos: their own caps; the live connection's HTTP polling:
Socket.IO's own message cap. Browsers' `max_file_size` is advisory, Starlette parses a whole form and FastAPI reads
a body before the dependencies that authenticate, so this ASGI middleware answers 413 as soon as a declared
Content-Length or the bytes actually received (chunked bodies too) pass the cap, before the route has read it.
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
JSON_BODY_LIMIT = 64 * 1024  # every other body (the API's JSON, sign-in, forms)
SOCKET_BODY_LIMIT = 1_000_000 + FORM_OVERHEAD  # engine.io's max_http_buffer_size plus framing
NICEGUI_SOCKET = '/_nicegui_ws/'
NICEGUI_UPLOAD = re.compile(r'^/_nicegui/client/[^/]+/upload/[^/]+$')
API_PHOTO_ROUTES = re.compile(r'^/api/ctp-problem-logs(/\d+/photos)?/?$')


class BodyTooLarge(Exception):
    """Raised from `receive` once the streamed body passes the cap."""


def body_limit(method: str, path: str) -> tuple[int, str]:
    """The byte cap for a request's body and what the 413 says."""
    settings = get_settings()
    photo_limit = None
    if method == 'POST' and NICEGUI_UPLOAD.match(path):      # the tablet's ui.upload sends one file per request
        photo_limit = settings.max_photo_bytes + FORM_OVERHEAD
    elif method == 'POST' and API_PHOTO_ROUTES.match(path):  # the API takes up to the per-problem photos at once
        photo_limit = settings.max_photo_bytes * settings.max_photos_per_problem + FORM_OVERHEAD
    if photo_limit is not None:
        return photo_limit, (f'the upload is too large (at most {settings.max_photo_bytes // (1024 * 1024)} MB '
                             f'per photo, {max(1, photo_limit // (1024 * 1024))} MB per request)')
    if path.startswith(NICEGUI_SOCKET):
        return SOCKET_BODY_LIMIT, 'the message is too large'
    return JSON_BODY_LIMIT, f'the body is limited to {JSON_BODY_LIMIT // 1024} KB'


async def _send_error(scope: Scope, send: Send, status: int, code: str, message: str) -> None:
    rid = scope.get('state', {}).get('request_id')
    body = json.dumps({'error': {'code': code, 'message': message}, **({'request_id': rid} if rid else {})}).encode()
    await send({'type': 'http.response.start', 'status': status,
                'headers': [(b'content-type', b'application/json'), (b'content-length', str(len(body)).encode()),
                            (b'connection', b'close')]})
    await send({'type': 'http.response.body', 'body': body})


class BodyLimit:
    """ASGI middleware: 413 for any request over its cap, checked before and while reading."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str, str], tuple[int, str]] = body_limit) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        limit, message = self.limit_for(scope.get('method', ''), scope.get('path', ''))
        declared = dict(scope.get('headers', [])).get(b'content-length')
        if declared is not None and not declared.isdigit():
            await _send_error(scope, send, 400, 'invalid_input', 'invalid Content-Length header')
            return
        if declared is not None and int(declared) > limit:
            await _send_error(scope, send, 413, 'payload_too_large', message)
            return
        await self._limited(scope, receive, send, limit, message)

    async def _limited(self, scope: Scope, receive: Receive, send: Send, limit: int, message: str) -> None:
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
            await _send_error(scope, send, 413, 'payload_too_large', message)
