"""/: the Log CTP Overview, a card per machine in the user's scope, live."""
from nicegui import run, ui

from app import events
from app.db import read_session
from app.models.schemas import MachinePublic
from app.services import machines
from app.services.access import Actor
from components.design import duration_text, status_look
from components.layout import frame
from components.session import require_page_actor


@ui.page('/')
async def overview_page() -> None:
    actor = await require_page_actor()
    if actor is None:
        return

    @ui.refreshable
    async def board() -> None:
        rows = await run.io_bound(_load, actor)
        with ui.row().classes('w-full gap-4'):
            for row in machines.sort_for_board(rows):
                _card(row)

    with frame('Overview', actor):
        ui.label('Machines').classes('text-xl')
        await board()
    events.machine_changed.subscribe(lambda _machine_id: board.refresh())


def _load(actor: Actor) -> list[MachinePublic]:
    with read_session() as session:
        return machines.list_machines(session, actor=actor)


def _card(machine: MachinePublic) -> None:
    colour, icon, word = status_look(machine.status)
    with ui.card().classes(f'w-72 bg-{colour} text-white').mark(f'machine-{machine.id}'):
        with ui.row().classes('items-center gap-2'):
            ui.icon(icon).classes('text-3xl')
            ui.label(word).classes('text-lg font-bold')
        ui.label(machine.name).classes('text-base font-bold')
        if machine.nickname:
            ui.label(machine.nickname).classes('text-sm')
        if machine.open_problem is not None:
            ui.label(machine.open_problem.category or machine.open_problem.problem_description)
        if machine.down_since is not None:
            ui.label(f'down for {duration_text(machine.current_downtime_minutes)}')
