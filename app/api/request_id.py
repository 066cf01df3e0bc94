"""ASGI middleware: a request id on every HTTP request (X-Request-ID in and out, in every log line) and the
request metrics by route template. Pure ASGI, so streaming responses and websockets pass untouched."""
import logging
import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import ops

logger = logging.getLogger('app.access')
VALID_ID = re.compile(r'^[A-Za-z0-9._:-]{8,64}$')
QUIET_PREFIXES = ('/_nicegui', '/healthz', '/metrics', '/favicon')


def route_template(scope: Scope) -> str:
    """The matched route's path template (bounded label values), never the raw path."""
    route = scope.get('route')
    if route is not None and hasattr(route, 'path'):
        return str(route.path)
    path = str(scope.get('path', ''))
    return '/_nicegui/*' if path.startswith('/_nicegui') else 'unmatched'


def assign_request_id(scope: Scope) -> str:
    """The request's id: one already given, a well-formed X-Request-ID (nginx's), or a new one; kept in its state."""
    incoming = dict(scope.get('headers', [])).get(b'x-request-id', b'').decode('latin-1')
    state = scope.setdefault('state', {})
    rid = state.get('request_id') or (incoming if VALID_ID.match(incoming) else uuid.uuid4().hex)
    state['request_id'] = rid
    return str(rid)


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        rid = assign_request_id(scope)
        token = ops.request_id_var.set(rid)
        started, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message['type'] == 'http.response.start':
                status = message['status']
                MutableHeaders(scope=message)['X-Request-ID'] = rid
            await send(message)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, status, time.perf_counter() - started)
            ops.request_id_var.reset(token)

    @staticmethod
    def _record(scope: Scope, status: int, seconds: float) -> None:
        route = route_template(scope)
        ops.observe_request(route, scope.get('method', 'GET'), status, seconds)
        if not str(scope.get('path', '')).startswith(QUIET_PREFIXES):
            logger.info('%s %s -> %d in %.1f ms', scope.get('method'), route, status, seconds * 1000)
