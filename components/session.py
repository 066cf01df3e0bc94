"""Who is at the screen: the current actor of a page, and the watch that follows changes of their access.

The session cookie and the signed-in user are components/session_cookie.py's; signing in and out is
components/sign_in.py's. Their names used by pages stay importable from here.
"""
import asyncio
import logging

from fastapi import FastAPI
from nicegui import Client, core, ui

from app import events
from app.db import read_session
from app.i18n import _
from app.services.access import (
    ROLE_ACTIONS,
    Action,
    Actor,
    actor_for_display,
    actor_for_user,
    has_access,
)
from components import user_storage
from components.language import speak_for
from components.notice import NOT_ALLOWED, refusal
from components.page import LeavePage
from components.session_cookie import (
    LiveSession,
    SessionMiddleware,
    cookie_options,
    live_session,
    page_storage,
    safe_redirect,
    sign_out,
    signed_in,
)
from components.sign_in import (
    client_address,
    complete_login,
    keep_session_after_password_change,
    prepare_login,
    sign_out_form,
    sign_out_post,
)
from components.worker import io

__all__ = ['client_address', 'close_page', 'cookie_options', 'current_actor', 'drop_client', 'install',
           'keep_session_after_password_change', 'page_storage', 'prepare_login', 'require_page_actor',
           'require_page_admin', 'safe_redirect', 'sign_out', 'sign_out_form', 'signed_in', 'watch_access']
logger = logging.getLogger(__name__)
FLUSH_CHECKS, FLUSH_WAIT = 25, 0.02


def install(app: FastAPI) -> None:
    user_storage.install()  # a session's storage is read back whole before a request uses it
    app.add_middleware(SessionMiddleware)
    app.add_api_route('/login/complete', complete_login, methods=['GET'], include_in_schema=False)
    app.add_api_route('/sign-out', sign_out_post, methods=['POST'], include_in_schema=False)


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


async def require_page_actor() -> Actor:
    """The actor if it may use CTP Log; otherwise the page answers with a redirect (LeavePage: to the sign-in for
    an ended session, to the plain page for a user without access) instead of being built and then navigating.

    The page also starts watching the user's access: when an admin changes it, the open page follows at once.
    """
    actor = await current_actor()
    if actor is None:
        sign_out()
        raise LeavePage('/login')
    speak_for(actor)
    if not has_access(actor):
        raise LeavePage('/no-access')
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
    """An admin page's actor; others see a plain refusal (signed-out users and users without access are redirected)."""
    actor = await require_page_actor()
    if Action.ADMINISTER not in ROLE_ACTIONS[actor.role] or actor.is_display:
        ui.page_title(f'{title} · CTP Log')
        refusal(NOT_ALLOWED, _('This page is for administrators only.'), alone=True)
        return None
    return actor
