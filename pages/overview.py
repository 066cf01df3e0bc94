"""/: the Log CTP Overview: a live card per machine in the user's scope, a status filter, the recent problems.

Every screen keeps its cards and updates them in place. A changed card is built once per language and reaches every
screen that may see it in one socket.io room message (components/card_rooms.py); the board's order, statuses, summary
and recent problems are built once per scope and language and reach the scope's screens in one room message too
(components/scope_rooms.py). A screen with a live socket keeps what its rooms delivered and brings its elements up to
date only when it acts on them itself (the clock's tick, the filter, a reconnect); the database is read once per change
for all screens (the board cache) and bursts of changes are coalesced.
"""
from nicegui import ui

from app import events, i18n
from app.db import read_session
from app.i18n import N_, _
from app.services import board_cache
from app.services.access import ROLE_ACTIONS, Action, Actor
from components import card_rooms, rooms, scope_rooms
from components.board import Board
from components.card_rooms import BOARD_READ
from components.coalesce import Coalesced
from components.design import SECTION
from components.layout import frame
from components.machine_card import CARD_CSS
from components.page import page
from components.recent_list import RecentList, see_all_link
from components.scope_rooms import RECENT_READ
from components.session import require_page_actor
from components.stop_prompts import live_stop_prompts
from components.worker import io

FILTERS = {'all': N_('All'), 'down': N_('Down'), 'maintenance': N_('Maintenance'), 'degraded': N_('Degraded'),
           'operational': N_('Running')}  # translated where shown
TICK_SECONDS = 20


class Overview:
    """One overview screen: a member of its scope's room (rooms.Member)."""

    def __init__(self, actor: Actor, scope: board_cache.Scope, language: str) -> None:
        self.actor, self.key = actor, (scope, language)
        self.client = ui.context.client
        self.latest: scope_rooms.View | None = None  # the newest view the screen took, shown or not yet
        self.behind = False  # the elements have not caught up with `latest` (its room delivered it)
        self.update = Coalesced(self.refresh, 'overview-update')
        self.rooms = card_rooms.CardRooms(self.client, language, on_reconnect=self.reconnected)
        self.board: Board
        self.recent: RecentList

    async def build(self) -> None:
        """The board, the recent problems, and the view of now."""
        self.board = Board(may_report=Action.REPORT in ROLE_ACTIONS[self.actor.role], rooms=self.rooms)
        ui.label(_('Recent problems')).classes('text-xl font-bold mt-4').props(SECTION)
        self.recent = RecentList()
        see_all_link()
        scope_rooms.join(self, self.key)  # from now on: a change while the board is read is taken, not missed
        view = await self.read()
        self.show(self.latest or view)  # a view published during the read is newer

    def take(self, view: scope_rooms.View) -> None:
        """A view of the scope was published: a live screen whose cards stay the same already has it."""
        self.latest = view
        if rooms.live(self.client) and self.board.holds(view.rows):
            self.behind = True
        else:
            self.update.request()

    async def read(self) -> scope_rooms.View:
        """The scope's view read now (shared reads with the other screens)."""
        rows = await BOARD_READ.get(self.key[1])
        return scope_rooms.build(self.key, rows, await RECENT_READ.get(self.key))

    async def refresh(self) -> None:
        view = self.latest if self.latest is not None and self.latest.key == self.key else await self.read()
        await card_rooms.settled(self.key[1])  # the changed cards went out to their rooms: kept, not sent again
        self.show(view)

    def show(self, view: scope_rooms.View, *, sent: bool = False) -> None:
        if self.client.is_deleted:  # the page may have been closed during the read (e.g. its user was deactivated)
            return
        self.latest, self.behind = view, False
        self.board.show(view, sent=sent)
        self.recent.show(view)

    def catch_up(self) -> None:
        """Bring the elements up to the view the rooms delivered (before the screen acts on them itself)."""
        if self.behind and self.latest is not None:
            self.show(self.latest, sent=True)

    def tick(self) -> None:
        self.catch_up()
        self.board.tick()

    def filter(self, status: str) -> None:
        self.catch_up()
        self.board.filter(status)

    def reconnected(self) -> None:
        """A (re)connected socket may have missed room messages: join the scope's room, send the newest state."""
        scope_rooms.join(self, self.key)
        self.catch_up()
        self.board.resend()

    async def on_access(self, user_id: int) -> None:
        if user_id == self.actor.user_id:
            scope = await io(_scope, self.actor)
            scope_rooms.leave(self, self.key)
            self.key, self.latest = (scope, self.key[1]), None
            scope_rooms.join(self, self.key)
            self.update.request()


@page('/')
async def overview_page() -> None:
    actor = await require_page_actor()
    screen = Overview(actor, await io(_scope, actor), i18n.current_language())  # the page's language, kept
    ui.add_head_html(CARD_CSS)
    with frame(_('Overview'), actor):
        with ui.row().classes('w-full items-center gap-2'):
            ui.label(_('Machines')).classes('text-2xl font-bold')
            ui.space()
            filters = {key: _(word) for key, word in FILTERS.items()}
            ui.toggle(filters, value='all', on_change=lambda e: screen.filter(e.value)) \
                .props('no-caps unelevated toggle-color=primary').classes('flex-wrap').mark('status-filter')
        await live_stop_prompts(list_link=True)  # "Magnus stopped at 10:42: why?" (issue 21)
        await screen.build()
    events.access_changed.subscribe(screen.on_access)
    ui.timer(TICK_SECONDS, screen.tick, immediate=False)


def _scope(actor: Actor) -> board_cache.Scope:
    with read_session() as session:
        return board_cache.scope_of(session, actor)
