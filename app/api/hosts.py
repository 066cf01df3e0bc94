"""Only our own host names are answered (issue 18): the defence against DNS rebinding.

A page on evil.example whose name is made to resolve to this server is same-origin with itself, so the Origin checks
(app/api/csrf.py) pass; only the Host header it sends gives it away. Starlette's TrustedHostMiddleware decides, over
`Settings.trusted_hosts` (read per request, as every setting is); this thin wrapper answers in our error contract:
JSON `{"error": ...}` for the API and NiceGUI's endpoints, a plain friendly page for pages, and a refused handshake
for the live socket. `/healthz` answers any host: balancers probe the app by its address, and it reveals nothing.
"""
import html
import logging

from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.errors import error_body
from app.api.request_id import assign_request_id
from app.config import get_settings

logger = logging.getLogger(__name__)
EXEMPT_PATHS = frozenset({'/healthz'})
MACHINE_PREFIXES = ('/api/', '/_nicegui')  # answered in JSON; everything else is a page someone opened
MESSAGE = 'this server does not answer to that address: use the address CTP Log is published under'
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem">
<h1>{title}</h1><p>This address does not belong to CTP Log. Open CTP Log at its usual address,
or ask the person who looks after it for the right link.</p></body></html>
"""
PAGE_HEADERS = {'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff'}


class _CloseHandshake:
    """Closing before accept: the server answers the handshake with 403."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({'type': 'websocket.close', 'code': 1008})


class TrustedHosts:
    """Pure ASGI middleware: Starlette's host check, our answers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] not in ('http', 'websocket') or scope.get('path') in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        admitted = False

        async def admit(scope: Scope, receive: Receive, send: Send) -> None:
            nonlocal admitted
            admitted = True
            await self.app(scope, receive, send)

        async def drop_refusal(message: Message) -> None:
            if admitted:
                await send(message)  # Starlette's own "Invalid host header" is replaced by ours below

        hosts = get_settings().trusted_hosts
        await TrustedHostMiddleware(admit, allowed_hosts=hosts, www_redirect=False)(scope, receive, drop_refusal)
        if not admitted:
            logger.warning('refused a %s request for a host name that is not ours', scope['type'])
            await refusal(scope)(scope, receive, send)


def refusal(scope: Scope) -> Response | _CloseHandshake:
    if scope['type'] == 'websocket':
        if 'websocket.http.response' in scope.get('extensions', {}):
            return JSONResponse(error_body(400, MESSAGE), 400)  # the server sends it as the handshake's answer
        return _CloseHandshake()
    rid = assign_request_id(scope)  # refused before the request-id middleware: one id all the same
    if str(scope.get('path', '')).startswith(MACHINE_PREFIXES):
        return JSONResponse(error_body(400, MESSAGE, request_id=rid), 400, headers={'X-Request-ID': rid})
    return HTMLResponse(PAGE.format(title=html.escape(get_settings().plant_name)), 400,
                        headers={**PAGE_HEADERS, 'X-Request-ID': rid})
