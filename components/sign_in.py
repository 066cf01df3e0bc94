"""Signing in and out on the screens. Signing in issues a fresh session id (session fixation, SECURITY.md A5;
app/api/sessions.py): the login page checks the password over the websocket and then navigates to
GET /login/complete, an HTTP route that can set the new cookie. Signing out is a POST from our own pages.
"""
import secrets
import time
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import Request
from nicegui import app as nicegui_app
from nicegui import ui
from starlette.responses import RedirectResponse

from app import events
from app.api import sessions
from app.api.sessions import PASSWORD_AT
from app.config import get_settings
from app.i18n import _
from app.services import throttle
from components.session_cookie import page_storage, safe_redirect

PENDING_KEY = 'pending_login'
PENDING_SECONDS = 60


async def complete_login(request: Request, nonce: str = '', redirect_to: str = '/') -> RedirectResponse:
    """GET /login/complete: finish a sign-in the login page prepared in this session's storage."""
    pending = nicegui_app.storage.user.pop(PENDING_KEY, None)
    if not _pending_matches(pending, nonce):
        return RedirectResponse(f'/login?redirect_to={quote(safe_redirect(redirect_to))}', status_code=303)
    await sessions.sign_in(request, int(pending['user_id']))
    return RedirectResponse(safe_redirect(redirect_to), status_code=303)


def _pending_matches(pending: Any, nonce: str) -> bool:
    if not isinstance(pending, dict) or not nonce:
        return False
    return (secrets.compare_digest(str(pending.get('nonce', '')), nonce)
            and float(pending.get('expires', 0)) > time.time() and isinstance(pending.get('user_id'), int))


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


def keep_session_after_password_change(user_id: int, valid_after: datetime) -> None:
    """After the user changed their own password here: this session stays signed in, then the user's other
    sessions are told (their open pages close; the rest are signed out by `sessions_valid_after` anyway)."""
    page_storage()[PASSWORD_AT] = valid_after.timestamp()
    events.publish(events.access_changed, user_id)
