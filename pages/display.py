"""/display: the wall-mounted status board of the plate room, for a paired display or a signed-in person."""
import logging
import time
from datetime import datetime

from nicegui import ui
from starlette.requests import Request

from app import events
from app.config import get_settings
from app.db import DATABASE_AWAY, read_session, session_scope
from app.i18n import _
from app.services import board_cache, display_claims, displays
from app.services.access import Actor, actor_for_user, has_access
from components.design import TITLE
from components.language import speak_for, speaking
from components.page import page
from components.wall import WallBoard, plant_clock
from components.wall_assets import add_wall_assets
from components.worker import io

logger = logging.getLogger(__name__)
RETRY_SECONDS = 10  # a screen opened while the database is away loads again this often
POLL_SECONDS = 3  # an unpaired screen asks this often whether an admin entered its code
CODE_SHOWN_SECONDS = display_claims.CLAIM_TTL.total_seconds() - 60  # a new code a minute before the old expires


# a board cut off longer than this is dropped; its page reloads itself when it reconnects (components/wall_assets.py)
@page('/display', reconnect_timeout=get_settings().wall_reconnect_seconds)
async def display_page(request: Request, chime: bool = False, per_page: int = 0) -> None:
    token = request.cookies.get(displays.DISPLAY_COOKIE)
    user_id, since = request.state.user_id, request.state.session_since  # the live session (components/session.py)
    try:
        actor = await io(_resolve, token, user_id, since)
        scope = await io(_scope, actor) if actor is not None else None  # read before the board is built
    except DATABASE_AWAY:  # the database restarts: a wall screen waits and tries again, it never shows an error
        logger.warning('wall display: database not reachable, the screen tries again in %d s', RETRY_SECONDS)
        _waiting_for_database()
        return
    if actor is not None:
        speak_for(actor)  # the display's own language, else the person's, else the plant default
    ui.page_title(_('CTP wall display'))
    ui.dark_mode(True)
    add_wall_assets()
    if actor is None:
        _not_paired(known_before=bool(token))
        return
    client, page = ui.context.client, ui.element('div').classes('ctp-stage')
    with page:
        with ui.element('div').classes('ctp-wall-header'):
            ui.label(get_settings().plant_name).classes('ctp-plant').props(TITLE)  # the board's title
            ui.label(actor.name).classes('ctp-screen-name')
            plant_clock()
        board = WallBoard(actor, scope, per_page=max(1, min(per_page, 48)) if per_page else None, chime=chime)
        await board.build()

    async def on_access(changed_id: int) -> None:
        if changed_id not in (actor.display_id, actor.user_id) or not board.active:
            return
        now = await io(_resolve, token, actor.user_id, since)
        if now is None:
            board.stop()
            page.clear()
            with page, speaking(client):
                _not_paired(known_before=True)
        elif now.language != actor.language:  # a new language for this display or person: the board reloads in it
            ui.navigate.reload()
        else:
            board.rescope(await io(_scope, actor))  # rescoped or reassigned

    events.display_changed.subscribe(on_access)
    events.access_changed.subscribe(on_access)


def _resolve(token: str | None, user_id: object, since: datetime | None) -> Actor | None:
    with read_session() as session:
        actor = displays.actor_for_token(session, token)
        if actor is None and isinstance(user_id, int):
            person = actor_for_user(session, user_id, session_since=since)
            actor = person if has_access(person) else None
    if actor is not None and actor.display_id is not None:
        with session_scope() as session:
            displays.touch(session, actor.display_id)
    return actor


def _scope(actor: Actor) -> board_cache.Scope:
    with read_session() as session:
        return board_cache.scope_of(session, actor)


def _waiting_for_database() -> None:
    """A wall screen opened while the database is away (restarting): it says so and loads again by itself."""
    ui.dark_mode(True)
    with ui.column().classes('absolute-center items-center gap-4 text-center'):
        ui.icon('hourglass_empty').classes('text-8xl text-grey-6')
        ui.label(_('The board is starting again')).classes('text-4xl font-bold').props(TITLE).mark('waiting')
        ui.label(_('The data is not reachable right now; this screen tries again by itself.')) \
            .classes('text-xl text-grey-4')
    ui.timer(RETRY_SECONDS, ui.navigate.reload, once=True)


def _not_paired(*, known_before: bool = False) -> None:
    """A friendly page for a screen with no pairing, or whose pairing was revoked or replaced."""
    with ui.column().classes('absolute-center items-center gap-4 text-center'):
        ui.icon('tv_off').classes('text-8xl text-grey-6')
        ui.label(_('This screen is not paired')).classes('text-4xl font-bold').props(TITLE).mark('not-paired')
        if known_before:
            ui.label(_('It was paired once, but that display was revoked or paired on another screen.')) \
                .classes('text-xl text-grey-4')
        ui.label(_('An admin registers it under Admin → Displays and opens the pairing link here once.')) \
            .classes('text-xl text-grey-4')
        ScreenCode()


class ScreenCode:
    """The code an admin types under Admin → Displays; the screen then pairs itself (issue 26).

    The secret stays in this page's server-side state; the page asks every POLL_SECONDS whether it was claimed,
    and then opens the one-time pairing link, whose route sets the device cookie and shows the board.
    """

    def __init__(self) -> None:
        self.secret: str | None = None
        self.started = 0.0
        with ui.column().classes('items-center gap-2 q-mt-lg'):
            ui.label(_('Or an admin enters this code for a display under Admin → Displays:')) \
                .classes('text-2xl text-grey-3')
            self.code = ui.label('····-····').classes('font-mono font-bold text-white') \
                .style('font-size: 12vmin; letter-spacing: 0.1em').mark('screen-code')
        ui.timer(POLL_SECONDS, self.poll, immediate=True)

    async def poll(self) -> None:
        try:
            if self.secret is None or time.monotonic() - self.started > CODE_SHOWN_SECONDS:
                self.started = time.monotonic()
                code, self.secret = await io(_start_claim)
                self.code.set_text(code)
            elif pair_code := await io(_collect, self.secret):
                ui.navigate.to(f'/display/pair?code={pair_code}')
        except DATABASE_AWAY:
            logger.warning('wall display: database not reachable, the screen code waits')


def _start_claim() -> tuple[str, str]:
    with session_scope() as session:
        return display_claims.start_claim(session)


def _collect(secret: str) -> str | None:
    with read_session() as session:  # the poll reads; only a claimed screen takes the write lock
        if not display_claims.claimed(session, secret):
            return None
    with session_scope() as session:
        return display_claims.collect(session, secret)
