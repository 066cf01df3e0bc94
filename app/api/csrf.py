"""CSRF defence for cookie-authenticated writes to /api/* (SECURITY.md C1).

A browser tells where a request comes from: `Sec-Fetch-Site` (modern browsers) or else `Origin`/`Referer`.
Unsafe methods are refused with 403 when that is another site. Requests carrying `Authorization: Bearer`
are exempt: a browser never attaches that header on its own, so they cannot be forged cross-site.
"""
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.errors import error_body
from app.config import get_settings

SAFE_METHODS = frozenset({'GET', 'HEAD', 'OPTIONS'})
REFUSED = 'cross-site request refused: send writes from CTP Log itself, or use an API token'


class CSRFMiddleware:
    """Pure ASGI middleware: only looks at headers, never at the body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] == 'http' and _needs_check(scope) and not is_same_origin(scope):
            response = JSONResponse(error_body(403, REFUSED), 403)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _needs_check(scope: Scope) -> bool:
    if scope['method'] in SAFE_METHODS or not str(scope['path']).startswith('/api/'):
        return False
    scheme, _, _ = Headers(scope=scope).get('authorization', '').partition(' ')
    return scheme.lower() != 'bearer'


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
