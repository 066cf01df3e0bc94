"""Who is at the screen: the sign-in middleware, the current actor of a page, sign-in and sign-out."""
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import FastAPI, Request
from nicegui import app as nicegui_app
from nicegui import run
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import RedirectResponse, Response

from app.db import read_session
from app.services.access import Actor, actor_for_display, actor_for_user, has_access

PUBLIC_PATHS = frozenset({'/login', '/favicon.ico', '/healthz', '/metrics', '/no-access', '/display'})
PUBLIC_PREFIXES = ('/_nicegui', '/api/', '/display/pair', '/static/')


def safe_redirect(target: str | None) -> str:
    """Only local paths: '/x' but never '//host', '/\\host' or 'javascript:'."""
    if not target or not target.startswith('/') or target.startswith(('//', '/\\')):
        return '/'
    return target


class SessionMiddleware(BaseHTTPMiddleware):
    """Puts the signed-in user on request.state; sends signed-out page requests to /login."""

    async def dispatch(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        storage = nicegui_app.storage.user
        request.state.user_id = storage.get('user_id')
        request.state.display_id = storage.get('display_id')
        request.state.sign_in = lambda user_id: _sign_in(storage, user_id)
        request.state.sign_out = storage.clear
        path = request.url.path
        if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES) or path.startswith('/photos/'):
            return await call_next(request)
        if request.state.user_id is None and request.state.display_id is None:
            return RedirectResponse(f'/login?redirect_to={quote(safe_redirect(str(request.url.path)))}')
        return await call_next(request)


def _sign_in(storage: dict[str, object], user_id: int) -> None:
    storage.clear()
    storage['user_id'] = user_id


def install(app: FastAPI) -> None:
    app.add_middleware(SessionMiddleware)


def sign_in(user_id: int) -> None:
    _sign_in(nicegui_app.storage.user, user_id)


def sign_out() -> None:
    nicegui_app.storage.user.clear()


def _load_actor(user_id: object, display_id: object) -> Actor | None:
    with read_session() as session:
        if isinstance(user_id, int):
            return actor_for_user(session, user_id)
        if isinstance(display_id, int):
            return actor_for_display(session, display_id)
    return None


async def current_actor() -> Actor | None:
    """The page's actor, read from the database now (role changes and deactivation act at once)."""
    storage = nicegui_app.storage.user
    return await run.io_bound(_load_actor, storage.get('user_id'), storage.get('display_id'))


async def require_page_actor() -> Actor | None:
    """The actor if it may use CTP Log; otherwise navigate away and return None."""
    from nicegui import ui
    actor = await current_actor()
    if actor is None:
        sign_out()
        ui.navigate.to('/login')
        return None
    if not has_access(actor):
        ui.navigate.to('/no-access')
        return None
    return actor
