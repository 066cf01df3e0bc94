"""Cross-site request defence (SECURITY.md C1, C2 and L5), one pure ASGI middleware that only reads headers.

- Unsafe methods on /api/* from a cookie-authenticated caller need our own origin (`Sec-Fetch-Site`, else
  `Origin`/`Referer`) **and** the header `X-CTP-Request: 1`: a cross-site form cannot send a custom header, and
  a cross-site script that adds one needs a CORS preflight, which we never grant. The login call is covered too.
  Requests carrying `Authorization: Bearer` are exempt: a browser never attaches that header on its own.
- A body on /api/* must be JSON (multipart only on the routes that carry photos), else 415, for every caller.
- NiceGUI's upload route and its Socket.IO endpoint (websocket and HTTP polling) get the same Origin check: the
  page's `client_id` is a bearer secret there, and Socket.IO itself allows any origin.
"""
import re
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.errors import error_body
from app.api.limits import API_PHOTO_ROUTES, NICEGUI_UPLOAD
from app.config import get_settings

SAFE_METHODS = frozenset({'GET', 'HEAD', 'OPTIONS'})
REQUEST_HEADER = 'x-ctp-request'
NICEGUI_SOCKET = '/_nicegui_ws/'
LOGIN_PATH = '/api/auth/login'
SIGN_OUT_FORM = '/sign-out'  # the header's sign-out form: a same-origin POST only
REFUSED = 'cross-site request refused: send writes from CTP Log itself, or use an API token'
NEEDS_HEADER = ('send the header "X-CTP-Request: 1" with every POST/PUT/DELETE that uses the session cookie '
                '(or use an API token: Authorization: Bearer ...)')
NOT_JSON = 'send the body as application/json'
NOT_JSON_OR_FORM = 'send the body as application/json or multipart/form-data'
WS_SCHEMES = {'ws': 'http', 'wss': 'https'}
JMF_RECEIVER = re.compile(r'^/api/jmf(/[^/]+)?$')
JMF_MEDIA_TYPES = frozenset({'application/vnd.cip4-jmf+xml', 'application/vnd.cip4-xjmf+xml', 'application/xml',
                             'text/xml'})


class CSRFMiddleware:
    """Pure ASGI middleware: only looks at headers, never at the body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refusal = _refusal(scope) if scope['type'] in ('http', 'websocket') else None
        if refusal is None:
            await self.app(scope, receive, send)
        elif scope['type'] == 'websocket':
            await send({'type': 'websocket.close', 'code': 1008})  # before accept: the server answers 403
        else:
            status, message = refusal
            await JSONResponse(error_body(status, message), status)(scope, receive, send)


def _refusal(scope: Scope) -> tuple[int, str] | None:
    """(status, message) when the request must be refused, else None."""
    path = str(scope['path'])
    own_form = scope.get('method') == 'POST' and (NICEGUI_UPLOAD.match(path) or path == SIGN_OUT_FORM)
    if path.startswith(NICEGUI_SOCKET) or own_form:
        return None if is_same_origin(scope) else (403, REFUSED)
    if scope['type'] != 'http' or scope['method'] in SAFE_METHODS or not path.startswith('/api/'):
        return None
    headers = Headers(scope=scope)
    if not _has_bearer(headers):
        if not is_same_origin(scope):
            return 403, REFUSED
        if _rides_on_cookies(headers, path) and headers.get(REQUEST_HEADER, '').strip() != '1':
            return 403, NEEDS_HEADER
    return _media_type_refusal(scope, headers)


def _rides_on_cookies(headers: Headers, path: str) -> bool:
    """Could a browser have sent this on its own? It attaches cookies by itself; the login call needs the header
    even without one (login CSRF). A cookie-less anonymous call simply gets its 401. The JMF receiver reads no
    cookie (a device proves itself with its link's secret), so a cookie a device kept gives a forged request nothing."""
    if JMF_RECEIVER.match(path):
        return False
    return 'cookie' in headers or path == LOGIN_PATH


def _has_bearer(headers: Headers) -> bool:
    scheme, _, _ = headers.get('authorization', '').partition(' ')
    return scheme.lower() == 'bearer'


def _media_type_refusal(scope: Scope, headers: Headers) -> tuple[int, str] | None:
    """415 for a body that is not JSON (multipart where a route carries photos); no body needs no type."""
    has_body = headers.get('content-length', '0').strip() not in ('0', '') or 'transfer-encoding' in headers
    kind = headers.get('content-type', '').split(';')[0].strip().lower()
    if not has_body and not kind:
        return None
    if kind == 'application/json' or (kind.startswith('application/') and kind.endswith('+json')):
        return None
    takes_photos = scope['method'] == 'POST' and API_PHOTO_ROUTES.match(str(scope['path'])) is not None
    if takes_photos and kind == 'multipart/form-data':
        return None
    if scope['method'] == 'POST' and JMF_RECEIVER.match(str(scope['path'])) and kind in JMF_MEDIA_TYPES:
        return None  # devices post JMF/XJMF with their link's secret (app/api/routes/jmf.py)
    return 415, NOT_JSON_OR_FORM if takes_photos else NOT_JSON


def is_same_origin(scope: Scope) -> bool:
    """Does this request come from our own pages (or from a non-browser client that names no origin)?"""
    headers = Headers(scope=scope)
    fetch_site = headers.get('sec-fetch-site', '').lower()
    if fetch_site in ('cross-site', 'same-site'):
        return False
    if fetch_site in ('same-origin', 'none'):
        return True
    origin = headers.get('origin') or _origin_of(headers.get('referer'))
    if origin is None:
        return True  # scripts (curl, integrations) send neither; browsers always send Origin on such writes
    return origin.lower().rstrip('/') in allowed_origins(scope, headers)


def allowed_origins(scope: Scope, headers: Headers) -> set[str]:
    scheme = str(scope.get('scheme', 'http'))
    scheme = WS_SCHEMES.get(scheme, scheme)  # a websocket's scope says ws/wss; its Origin says http/https
    host = headers.get('host', '')
    own = {f'{scheme}://{host}'.lower()} if host else set()
    return own | {o.lower().rstrip('/') for o in get_settings().public_origins}


def _origin_of(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return 'null'
    return f'{parts.scheme}://{parts.netloc}'
