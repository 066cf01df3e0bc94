"""/: the Log CTP Overview: a live card per machine in the user's scope, a status filter, the recent problems.

Every screen keeps its cards and rows and updates them in place: a change of one machine updates that machine's
card (and moves it when the red-first order changes), a new problem is inserted at the top of the recent list.
The board cache makes the database read once per change for all screens, and the screens share one read of the
cache (one worker-thread hop per change); bursts of changes are coalesced. A changed card is built once per
language and reaches every screen that may see it in one socket.io room message (components/card_rooms.py); a
screen is in the rooms of exactly the cards it shows.
"""
import asyncio

from nicegui import ui

from app import events, i18n
from app.db import read_session
from app.i18n import N_, _, ngettext
from app.models.schemas import MachinePublic, ProblemLogPublic
from app.services import board_cache
from app.services.access import ROLE_ACTIONS, Action, Actor
from components import card_rooms
from components.card_rooms import BOARD_READ
from components.coalesce import Coalesced, SharedLoad
from components.design import CARD_GRID, SECTION
from components.layout import frame
from components.machine_card import CARD_CSS, MachineCard
from components.page import page
from components.recent_list import RecentList
from components.session import require_page_actor
from components.stop_prompts import live_stop_prompts
from components.worker import io

FILTERS = {'all': N_('All'), 'down': N_('Down'), 'maintenance': N_('Maintenance'), 'degraded': N_('Degraded'),
           'operational': N_('Running')}  # translated where shown
TICK_SECONDS = 20
# every screen of this process reads the board cache through these (BOARD_READ: components/card_rooms.py): one
# worker-thread hop per change, not one per screen; each screen keeps the rows of its own scope, in its language
RECENT_READ: SharedLoad[tuple[board_cache.Scope, str], list[ProblemLogPublic]] = SharedLoad(
    lambda key: board_cache.recent_problems(*key))


class Board:
    """The machine cards of one screen, keyed by machine id, in the board's red-first order."""

    def __init__(self, *, may_report: bool, rooms: card_rooms.CardRooms) -> None:
        self.may_report, self.rooms = may_report, rooms
        self.cards: dict[int, MachineCard] = {}
        self.status_filter = 'all'
        self.summary = ui.label().classes('text-sm text-gray-500').mark('board-summary')
        self.grid = ui.element('div').classes(CARD_GRID).mark('board')
        self.empty = ui.label().classes('text-gray-500')

    def show(self, rows: list[MachinePublic]) -> None:
        """Apply the board's rows (already sorted): update changed cards, add/remove/move only what must."""
        wanted = {row.id for row in rows}
        for gone in [machine_id for machine_id in self.cards if machine_id not in wanted]:
            self.cards.pop(gone).delete()
        for index, row in enumerate(rows):
            card = self.cards.get(row.id)
            if card is None:
                with self.grid:
                    card = self.cards[row.id] = MachineCard(row, may_report=self.may_report)
            elif card.machine != row:
                card.show(row, sent=card_rooms.published(row, self.rooms.language))
            if self.grid.default_slot.children[index] is not card:
                card.move(target_index=index)
        self.rooms.follow(set(self.cards))
        down = sum(1 for row in rows if row.status == 'down')
        self.summary.set_text(ngettext('{count} machine', '{count} machines', len(rows)).format(count=len(rows))
                              + ' · ' + _('{count} down').format(count=down) if rows else '')
        self.filter(self.status_filter)

    def filter(self, status: str) -> None:
        """Show the cards of one status ('all' for every card); the others are hidden, not rebuilt."""
        self.status_filter = status
        shown = 0
        for card in self.cards.values():
            visible = status in ('all', card.machine.status)
            if card.visible != visible:  # setting an unchanged value still runs NiceGUI's binding work
                card.set_visibility(visible)
            shown += visible
        self.empty.set_text(_('No machine with this status.') if self.cards else _('No machines assigned to you yet.'))
        self.empty.set_visibility(shown == 0)

    def tick(self) -> None:
        for card in self.cards.values():
            card.tick()

    def resend(self) -> None:
        """A (re)connected socket may have missed room messages: send every card's newest state once."""
        for card in self.cards.values():
            card.update()


@page('/')
async def overview_page() -> None:
    actor = await require_page_actor()
    scope = await io(_scope, actor)
    language = i18n.current_language()  # the page's, kept for its live updates
    ui.add_head_html(CARD_CSS)

    page = ui.context.client
    board: Board
    recent: RecentList
    update: Coalesced

    def show(rows: list[MachinePublic] | None = None, problems: list[ProblemLogPublic] | None = None) -> None:
        if page.is_deleted:  # the page may have been closed during the read (e.g. its user was deactivated)
            return
        if rows is not None:
            board.show([row for row in rows if scope is None or row.id in scope])
        if problems is not None:
            recent.show(problems)

    async def load_board() -> None:
        show(rows=await BOARD_READ.get(language))

    async def load_recent() -> None:
        show(problems=await RECENT_READ.get((scope, language)))

    async def refresh() -> None:
        """Both parts in one pass after the reads: the screen gets one message per change, not one per part."""
        # both reads at once; gathering futures (not coroutines) makes no task per screen
        rows, problems = await asyncio.gather(BOARD_READ.ask(language), RECENT_READ.ask((scope, language)))
        await card_rooms.settled(language)  # the changed cards went out to their rooms: kept, not sent again
        show(rows, problems)

    def on_machine(machine_id: int) -> None:
        BOARD_READ.invalidate()
        if scope is None or machine_id in scope:
            update.request()

    def on_problem(log_id: int) -> None:
        RECENT_READ.invalidate()
        # a problem shown here changed; a new or edited one in scope comes with machine_changed of its machine
        if scope is None or log_id in recent.rows:
            update.request()

    async def on_access(user_id: int) -> None:
        nonlocal scope
        if user_id == actor.user_id:
            scope = await io(_scope, actor)
            BOARD_READ.invalidate()
            RECENT_READ.invalidate()
            update.request()

    with frame(_('Overview'), actor):
        with ui.row().classes('w-full items-center gap-2'):
            ui.label(_('Machines')).classes('text-2xl font-bold')
            ui.space()
            filters = {key: _(word) for key, word in FILTERS.items()}
            ui.toggle(filters, value='all', on_change=lambda e: board.filter(e.value)) \
                .props('no-caps unelevated toggle-color=primary').classes('flex-wrap').mark('status-filter')
        await live_stop_prompts(list_link=True)  # "Magnus stopped at 10:42: why?" (issue 21)
        rooms = card_rooms.CardRooms(page, language, on_reconnect=lambda: board.resend())
        board = Board(may_report=Action.REPORT in ROLE_ACTIONS[actor.role], rooms=rooms)
        await load_board()
        ui.label(_('Recent problems')).classes('text-xl font-bold mt-4').props(SECTION)
        recent = RecentList()
        await load_recent()
    update = Coalesced(refresh, 'overview-update')
    events.machine_changed.subscribe(on_machine)
    events.problem_log_changed.subscribe(on_problem)
    events.access_changed.subscribe(on_access)
    ui.timer(TICK_SECONDS, board.tick, immediate=False)


def _scope(actor: Actor) -> board_cache.Scope:
    with read_session() as session:
        return board_cache.scope_of(session, actor)
