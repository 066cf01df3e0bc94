"""/: the Log CTP Overview: a live card per machine in the user's scope, a status filter, the recent problems."""
from nicegui import ui

from app import events
from app.db import read_session
from app.models.schemas import MachinePublic, ProblemLogPublic
from app.services import board_cache
from app.services.access import ROLE_ACTIONS, Action, Actor
from components.design import CARD_GRID, TOUCH, duration_text, local_text
from components.layout import frame
from components.machine_card import LiveCounter, machine_card
from components.session import require_page_actor
from components.status_badge import problem_badge
from components.worker import io

FILTERS = {'all': 'All', 'down': 'Down', 'maintenance': 'Maintenance', 'degraded': 'Degraded',
           'operational': 'Running'}
TICK_SECONDS = 20


@ui.page('/')
async def overview_page() -> None:
    actor = await require_page_actor()
    if actor is None:
        return
    scope = await io(_scope, actor)
    may_report = Action.REPORT in ROLE_ACTIONS[actor.role]
    counters: list[LiveCounter] = []
    shown: set[int] = set()

    @ui.refreshable
    async def board() -> None:
        rows = await io(board_cache.board_rows, scope)
        shown.clear()
        shown.update(row.id for row in rows)
        counters.clear()
        _summary(rows)
        visible = [row for row in rows if status_filter.value in ('all', row.status)]
        with ui.element('div').classes(CARD_GRID).mark('board'):
            for row in visible:
                if (counter := machine_card(row, may_report=may_report)) is not None:
                    counters.append(counter)
        if not visible:
            ui.label('No machine with this status.' if rows else 'No machines assigned to you yet.') \
                .classes('text-gray-500')

    @ui.refreshable
    async def recent() -> None:
        _recent_list(await io(board_cache.recent_problems, scope))

    def on_machine(machine_id: int) -> None:
        if scope is None or machine_id in scope:
            board.refresh()

    async def on_access(user_id: int) -> None:
        nonlocal scope
        if user_id == actor.user_id:
            scope = await io(_scope, actor)
            board.refresh()
            recent.refresh()

    with frame('Overview', actor):
        with ui.row().classes('w-full items-center gap-2'):
            ui.label('Machines').classes('text-2xl font-bold')
            ui.space()
            status_filter = ui.toggle(FILTERS, value='all', on_change=lambda: board.refresh()) \
                .props('no-caps unelevated toggle-color=primary').classes('flex-wrap').mark('status-filter')
        await board()
        ui.label('Recent problems').classes('text-xl font-bold mt-4')
        await recent()
    events.machine_changed.subscribe(on_machine)
    events.problem_log_changed.subscribe(lambda _log_id: recent.refresh())
    events.access_changed.subscribe(on_access)
    ui.timer(TICK_SECONDS, lambda: [counter.tick() for counter in counters], immediate=False)


def _scope(actor: Actor) -> board_cache.Scope:
    with read_session() as session:
        return board_cache.scope_of(session, actor)


def _summary(rows: list[MachinePublic]) -> None:
    down = sum(1 for row in rows if row.status == 'down')
    text = f'{len(rows)} machines · {down} down' if rows else ''
    ui.label(text).classes('text-sm text-gray-500').mark('board-summary')


def _recent_list(rows: list[ProblemLogPublic]) -> None:
    if not rows:
        ui.label('No problems reported yet.').classes('text-gray-500')
        return
    with ui.list().props('bordered separator').classes('w-full rounded').mark('recent'):
        for row in rows:
            with ui.item(on_click=lambda r=row: ui.navigate.to(f'/problem-logs/{r.id}')).classes(TOUCH) \
                    .mark(f'recent-{row.id}'):
                with ui.item_section():
                    ui.item_label(f'{row.machine_name} · {row.category or "Uncategorised"}').classes('font-bold')
                    ui.item_label(row.problem_description).props('caption lines=2')
                with ui.item_section().props('side'):
                    problem_badge(row.status)
                    lost = duration_text(row.downtime_minutes) if row.is_stopping else 'running'
                    ui.label(f'{local_text(row.start_time)} · {lost}') \
                        .classes('text-xs text-gray-500')
