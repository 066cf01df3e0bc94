"""Who is at the screen: the sign-in middleware, the current actor of a page, sign-in and sign-out.

The browser's session cookie carries only NiceGUI's opaque session id; `app.storage.user` (keyed by it) holds the
user id and when the session signed in and was last used (idle and absolute lifetimes, SECURITY.md A7), and when it
last proved the password: a session from before the user's `sessions_valid_after` (deactivation, password change)
is signed out wherever it is turned into a user (API dependency, page actor), without an extra query.
Signing in issues a fresh session id (session fixation, SECURITY.md A5): the API rotates it directly,
the login page checks the password over the websocket and then navigates to GET /login/complete, an HTTP route
that can set the new cookie.
"""
import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import quote

from fastapi import FastAPI, Request
from nicegui import Client, core, ui
from nicegui import app as nicegui_app
from nicegui.persistence import PersistentDict
from nicegui.storage import request_contextvar
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import RedirectResponse, Response

from app import events
from app.config import Settings, get_settings
from app.db import read_session
from app.i18n import _
from app.services import throttle
from app.services.access import (
    ROLE_ACTIONS,
    Action,
    Actor,
    SignedIn,
    actor_for_display,
    actor_for_user,
    has_access,
)
from components.language import speak_for
from components.notice import NOT_ALLOWED, refusal
from components.worker import io

logger = logging.getLogger(__name__)
PUBLIC_PATHS = frozenset({'/login', '/login/complete', '/favicon.ico', '/healthz', '/metrics', '/no-access',
                          '/display'})
PUBLIC_PREFIXES = ('/_nicegui', '/api/', '/display/pair', '/static/')
PENDING_KEY = 'pending_login'
PENDING_SECONDS = 60
FLUSH_CHECKS, FLUSH_WAIT = 25, 0.02
SIGNED_IN_AT = 'signed_in_at'  # epoch seconds, in the server-side storage (never in the cookie)
SEEN_AT = 'seen_at'
PASSWORD_AT = 'password_at'  # epoch seconds: sign-in, or a change of the user's own password in this session
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


class SessionMiddleware(BaseHTTPMiddleware):
    """Puts the signed-in user on request.state; sends signed-out page requests to /login."""

    async def dispatch(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        storage = nicegui_app.storage.user
        live = live_session(storage)
        request.state.user_id = live.user_id if live else None
        request.state.session_since = live.since if live else None  # checked where the user row is read
        request.state.display_id = storage.get('display_id')
        request.state.sign_in = lambda user_id: rotate_session(request, user_id)
        request.state.sign_out = storage.clear
        path = request.url.path
        if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES) or path.startswith('/photos/'):
            return await call_next(request)
        if request.state.user_id is None and request.state.display_id is None:
            return RedirectResponse(f'/login?redirect_to={quote(safe_redirect(str(request.url.path)))}')
        return await call_next(request)


async def rotate_session(request: Request, user_id: int) -> None:
    """Sign in under a brand-new session id: the pre-login id (and its storage) is emptied and abandoned."""
    old = nicegui_app.storage.user
    old.clear()
    new_id = secrets.token_urlsafe(24)  # 192 bits; also safe as part of NiceGUI's storage file name
    await nicegui_app.storage._create_user_storage(new_id)  # noqa: SLF001 - NiceGUI has no public rotation API
    request.session['id'] = new_id
    now = time.time()
    nicegui_app.storage.user.update({'user_id': user_id, SIGNED_IN_AT: now, SEEN_AT: now, PASSWORD_AT: now})


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


async def complete_login(request: Request, nonce: str = '', redirect_to: str = '/') -> RedirectResponse:
    """GET /login/complete: finish a sign-in the login page prepared in this session's storage."""
    pending = nicegui_app.storage.user.pop(PENDING_KEY, None)
    if not _pending_matches(pending, nonce):
        return RedirectResponse(f'/login?redirect_to={quote(safe_redirect(redirect_to))}', status_code=303)
    await rotate_session(request, int(pending['user_id']))  # type: ignore[index]
    return RedirectResponse(safe_redirect(redirect_to), status_code=303)


def _pending_matches(pending: Any, nonce: str) -> bool:
    if not isinstance(pending, dict) or not nonce:
        return False
    return (secrets.compare_digest(str(pending.get('nonce', '')), nonce)
            and float(pending.get('expires', 0)) > time.time() and isinstance(pending.get('user_id'), int))


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


def client_address() -> str:
    """The page's client address for throttling password checks (X-Forwarded-For only from our proxies)."""
    request = ui.context.client.request
    peer = request.client.host if request.client else None
    return throttle.client_address(peer, request.headers.get('x-forwarded-for'), get_settings().trusted_proxies)


def prepare_login(user_id: int) -> str:
    """Called by the login page after the password was checked: the nonce for /login/complete."""
    nonce = secrets.token_urlsafe(24)
    page_storage()[PENDING_KEY] = {'user_id': user_id, 'nonce': nonce,
                                             'expires': time.time() + PENDING_SECONDS}
    return nonce


def install(app: FastAPI) -> None:
    app.add_middleware(SessionMiddleware)
    app.add_api_route('/login/complete', complete_login, methods=['GET'], include_in_schema=False)
    app.add_api_route('/sign-out', sign_out_post, methods=['POST'], include_in_schema=False)


async def sign_out_post(request: Request) -> RedirectResponse:
    """POST /sign-out, from our own pages only (the CSRF middleware checks the origin): a link cannot sign out."""
    nicegui_app.storage.user.clear()
    return RedirectResponse('/login', status_code=303)


def sign_out_form(label: str | None = None) -> ui.element:
    """A form that signs out by POST /sign-out (GET /logout only offers this form); `label` comes translated."""
    with ui.element('form').props('method=post action=/sign-out').classes('w-full') as form:
        ui.button(label or _('Sign out')).props('type=submit flat no-caps align=left').classes('w-full') \
            .mark('sign-out')
    return form


def sign_out() -> None:
    page_storage().clear()


def keep_session_after_password_change(user_id: int, valid_after: datetime) -> None:
    """After the user changed their own password here: this session stays signed in, then the user's other
    sessions are told (their open pages close; the rest are signed out by `sessions_valid_after` anyway)."""
    page_storage()[PASSWORD_AT] = valid_after.timestamp()
    events.publish(events.access_changed, user_id)


def _load_actor(live: LiveSession | None, display_id: object) -> Actor | None:
    with read_session() as session:
        if live is not None:
            return actor_for_user(session, live.user_id, session_since=live.since)
        if isinstance(display_id, int):
            return actor_for_display(session, display_id)
    return None


async def current_actor() -> Actor | None:
    """The page's actor, read from the database now (role changes and deactivation act at once)."""
    storage = page_storage()
    return await io(_load_actor, live_session(storage), storage.get('display_id'))


async def require_page_actor() -> Actor | None:
    """The actor if it may use CTP Log; otherwise navigate away and return None.

    The page also starts watching the user's access: when an admin changes it, the open page follows at once.
    """
    actor = await current_actor()
    if actor is None:
        sign_out()
        ui.navigate.to('/login')
        return None
    speak_for(actor)
    if not has_access(actor):
        ui.navigate.to('/no-access')
        return None
    watch_access(actor)
    return actor


def watch_access(actor: Actor) -> None:
    """Re-check this page's actor whenever their access changes; if it no longer fits, leave the page and close it
    on the server (SECURITY.md A6). A deactivated user's session is signed out as well. Assignment changes that
    leave access in place are the pages' own business: they re-read their scope, and every save is scoped in the
    database anyway."""
    if actor.user_id is None:
        return

    async def on_change(user_id: int) -> None:
        if user_id != actor.user_id:
            return
        live = live_session(page_storage())  # this page's session, never the emitter's
        now = await io(_load_actor, live if live and live.user_id == user_id else None, None)
        if now is None:
            logger.info('the session of user %s was ended; signing out and closing their open page', user_id)
            page_storage().clear()
            await close_page('/login')
        elif not has_access(now):
            await close_page('/no-access')
        elif now.role != actor.role:
            await close_page(_own_path())  # rebuilt for the new role

    events.access_changed.subscribe(on_change)


def _own_path() -> str:
    """The page's own path and query, to open it afresh (like a reload, but also in NiceGUI's simulated user)."""
    url = ui.context.client.request.url
    return safe_redirect(url.path + (f'?{url.query}' if url.query else ''))


async def close_page(target: str) -> None:
    """Send this page to `target`, then drop it on the server and close its sockets, so a page that ignores the
    navigation cannot act with the rights it was built with."""
    client = ui.context.client
    ui.navigate.to(target)
    for _check in range(FLUSH_CHECKS):  # the outbox sends the navigation within a few ms
        if not client.outbox.messages:
            break
        await asyncio.sleep(FLUSH_WAIT)
    await asyncio.sleep(FLUSH_WAIT)
    await drop_client(client)


async def drop_client(client: Client) -> None:
    """Delete a page's client (its events are ignored from now on) and disconnect its Socket.IO connections."""
    sockets = [sid for sid, _ in core.sio.manager.get_participants('/', client.id)]
    if not client.is_deleted and client.id in Client.instances:
        client.delete()
    for sid in sockets:
        await core.sio.disconnect(sid)
    logger.info('closed an open page (%d socket(s))', len(sockets))


async def require_page_admin(title: str = 'Administration') -> Actor | None:
    """An admin page's actor; others see a plain refusal (and navigation for signed-out users)."""
    actor = await require_page_actor()
    if actor is None:
        return None
    if Action.ADMINISTER not in ROLE_ACTIONS[actor.role] or actor.is_display:
        ui.page_title(f'{title} · CTP Log')
        refusal(NOT_ALLOWED, _('This page is for administrators only.'))
        return None
    return actor

