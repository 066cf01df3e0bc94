"""The session cookie and what it stands for: the sign-in middleware, and the signed-in user of a page's session.

The browser's session cookie carries only NiceGUI's opaque session id; `app.storage.user` (keyed by it) holds the
user id and when the session signed in and was last used (idle and absolute lifetimes, SECURITY.md A7), and when it
last proved the password: a session from before the user's `sessions_valid_after` (deactivation, password change)
is signed out wherever it is turned into a user (API dependency, page actor), without an extra query.
"""
import logging
import time
from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import quote

from fastapi import Request
from nicegui import app as nicegui_app
from nicegui import ui
from nicegui.persistence import PersistentDict
from nicegui.storage import request_contextvar
from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.sessions import PASSWORD_AT, SEEN_AT, SIGNED_IN_AT
from app.config import Settings, get_settings
from app.services.access import SignedIn

logger = logging.getLogger(__name__)
PUBLIC_PATHS = frozenset({'/login', '/login/complete', '/favicon.ico', '/healthz', '/metrics', '/no-access',
                          '/display'})
PUBLIC_PREFIXES = ('/_nicegui', '/api/', '/display/pair', '/static/')
SEEN_RESOLUTION = 60  # write seen_at at most once a minute (the storage is persisted on every change)


def cookie_options(settings: Settings) -> dict[str, Any]:
    """Starlette's session cookie (SECURITY.md A4): HttpOnly always; Secure with the `__Host-` name over https;
    SameSite=Lax, Path=/, no Domain. The browser keeps it as long as a session may last at most; the idle and
    absolute limits themselves are checked on the server."""
    return {'session_cookie': settings.session_cookie_name, 'https_only': settings.cookie_secure,
            'same_site': 'lax', 'path': '/', 'domain': None, 'max_age': round(settings.session_absolute_hours * 3600)}


def safe_redirect(target: str | None) -> str:
    """Only local paths: '/x' but never '//host', '/\\host' or 'javascript:'."""
    if not target or not target.startswith('/') or target.startswith(('//', '/\\')):
        return '/'
    if any(ch in target for ch in '\\\r\n\t') or any(ord(ch) < 32 for ch in target):
        return '/'
    return target


class LiveSession(NamedTuple):
    user_id: int
    since: datetime  # when the session last proved the password (compared with users.sessions_valid_after)


class SessionMiddleware:
    """Puts the signed-in user on request.state; sends signed-out page requests to /login. Plain ASGI, in the
    request's own task (Starlette's BaseHTTPMiddleware runs the rest of the app in a task of its own and passes
    every body chunk through a task group: about 1 ms of CPU per request)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] != 'http':
            await self.app(scope, receive, send)
            return
        request = Request(scope)  # its state is the scope's: what the routes' requests read
        storage = nicegui_app.storage.user
        live = live_session(storage)
        request.state.user_id = live.user_id if live else None
        request.state.session_since = live.since if live else None  # checked where the user row is read
        request.state.display_id = storage.get('display_id')
        request.state.sign_out = storage.clear
        path = request.url.path
        public = path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES) or path.startswith('/photos/')
        if not public and request.state.user_id is None and request.state.display_id is None:
            response = RedirectResponse(f'/login?redirect_to={quote(safe_redirect(path))}')
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def live_session(storage: PersistentDict) -> LiveSession | None:
    """The signed-in user of a session, or None; past the idle or absolute lifetime (SECURITY.md A7) the session
    is signed out. Each use counts as activity. Whether the user's sessions were ended since (deactivation,
    password change) is checked where the user is read (`actor_for_user(session_since=...)`)."""
    user_id = storage.get('user_id')
    if user_id is None:
        return None
    now, settings = time.time(), get_settings()
    signed_in, seen = storage.get(SIGNED_IN_AT), storage.get(SEEN_AT)
    if (not isinstance(signed_in, (int, float)) or not isinstance(seen, (int, float))
            or now - signed_in > settings.session_absolute_hours * 3600
            or now - seen > settings.session_idle_hours * 3600):
        logger.info('session of user %s expired; sign-in required', user_id)
        storage.clear()
        return None
    if now - seen >= SEEN_RESOLUTION:
        storage[SEEN_AT] = now
    proved = storage.get(PASSWORD_AT, signed_in)  # sessions from before PASSWORD_AT existed: their sign-in
    since = proved if isinstance(proved, (int, float)) else signed_in
    return LiveSession(int(user_id), datetime.fromtimestamp(since, UTC))


def page_storage() -> PersistentDict:
    """`app.storage.user` of the page's own session, also inside its event handlers and background tasks."""
    token = request_contextvar.set(ui.context.client.request)
    try:
        return nicegui_app.storage.user
    finally:
        request_contextvar.reset(token)


def signed_in() -> SignedIn | None:
    """For a save handler: the page's session as it is now (None once it was signed out or expired), to be turned
    into the actor inside the save's own transaction (`access.acting_as`), never the actor the page opened with."""
    live = live_session(page_storage())
    return SignedIn(live.user_id, live.since) if live is not None else None


def sign_out() -> None:
    page_storage().clear()
