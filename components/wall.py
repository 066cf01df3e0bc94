"""The andon wall board: large tiles, live, readable at 5 m, with no interaction (DOMAIN.md §8)."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from nicegui import run, ui

from app.config import get_settings
from app.db import read_session
from app.models import MachineStatus, utcnow
from app.models.schemas import MachinePublic
from app.services import calendar, machines, stats
from app.services.access import Actor
from components.design import duration_text, status_look

ROTATE_SECONDS = 10
RESYNC_TICKS = 6  # full re-read every 60 s; pushes are immediate anyway
TILE_BG = {'down': '#b71c1c', 'maintenance': '#0d47a1', 'degraded': '#a86b00', 'operational': '#1b5e20'}


@dataclass
class BoardData:
    machines: list[MachinePublic]
    causes: list[stats.CauseRow]
    at: datetime = field(default_factory=utcnow)


def load_board(actor: Actor) -> BoardData:
    """Everything a wall board shows, in one short read session."""
    now = utcnow()
    today = now.astimezone(get_settings().zone).date()
    week_start, _ = calendar.local_day_bounds(today - timedelta(days=today.weekday()))
    with read_session() as session:
        rows = machines.sort_for_board(machines.list_machines(session, actor=actor))
        causes = stats.board_causes(session, actor=actor, start=week_start, end=now)
    return BoardData(rows, causes, now)


def pages_of(tiles: list[MachinePublic], per_page: int) -> list[list[MachinePublic]]:
    """Pages of tiles; red tiles are pinned to every page when they do not all fit on one."""
    if len(tiles) <= per_page:
        return [tiles]
    red = [t for t in tiles if t.status == MachineStatus.DOWN][:per_page - 1]
    rest = [t for t in tiles if t not in red]
    room = per_page - len(red)
    return [red + rest[i:i + room] for i in range(0, len(rest), room)] or [red]


class WallBoard:
    """A live board for one actor (a display device or a signed-in person)."""

    def __init__(self, actor: Actor, *, per_page: int = 12, chime: bool = False) -> None:
        self.actor, self.per_page, self.chime = actor, per_page, chime
        self.page_index, self.ticks = 0, 0
        self.data: BoardData | None = None
        self._red: set[int] = set()
        self.active = True
        self._timer: ui.timer | None = None

    async def build(self) -> None:
        self.render()
        await self.reload()
        self._timer = ui.timer(ROTATE_SECONDS, self._tick)

    def stop(self) -> None:
        """Cut the board off (revoked display): no more reads, no more ticks."""
        self.active = False
        if self._timer is not None:
            self._timer.cancel()

    async def reload(self) -> None:
        self.data = await run.io_bound(load_board, self.actor)
        red = {m.id for m in self.data.machines if m.status == MachineStatus.DOWN}
        if self.chime and red - self._red:
            ui.run_javascript('window.ctpChime && window.ctpChime()')
        self._red = red
        self.render.refresh()

    async def _tick(self) -> None:
        if not self.active:
            return
        self.ticks += 1
        self.page_index += 1
        if self.ticks % RESYNC_TICKS == 0:
            await self.reload()
        else:
            self.render.refresh()

    @ui.refreshable_method
    def render(self) -> None:
        if self.data is None:
            return
        pages = pages_of(self.data.machines, self.per_page)
        page = pages[self.page_index % len(pages)]
        shift = self.ticks % 3  # a few pixels of drift against burn-in
        cols = grid_columns(len(page))
        style = f'margin: {shift}px {2 - shift}px; grid-template-columns: repeat({cols}, minmax(0, 1fr))'
        with ui.element('div').classes('ctp-wall-grid w-full').style(style).props(
                f'data-updated={int(utcnow().timestamp())}').mark('wall-grid'):
            for machine in page:
                tile(machine, wide=cols > 1 and machine.status == MachineStatus.DOWN)
        footer(self.data, len(pages), self.page_index % len(pages))


def grid_columns(count: int) -> int:
    """Columns for a landscape wall screen: 1, 2x2, 3x3, then 4 wide."""
    return 1 if count <= 1 else 2 if count <= 3 else 3 if count <= 8 else 4


def tile(machine: MachinePublic, *, wide: bool = False) -> None:
    colour, icon, word = status_look(machine.status)
    problem = machine.open_problem
    flashing = problem is not None and _unacknowledged_too_long(machine)
    classes = 'ctp-tile' + (' ctp-flash' if flashing else '') + (' ctp-wide' if wide else '')
    with ui.element('div').classes(classes).style(f'background:{TILE_BG.get(machine.status, "#333")}').mark(
            f'tile-{machine.id}'):
        with ui.row().classes('items-center gap-3 no-wrap w-full'):
            ui.icon(icon).classes('ctp-tile-icon')
            ui.label(word).classes('ctp-tile-word')
            if flashing:
                ui.space()
                ui.label('NOT ACKNOWLEDGED').classes('ctp-badge ctp-badge-alert')
        ui.label(machine.nickname or machine.name).classes('ctp-tile-name')
        if problem is None:
            return
        with ui.row().classes('items-baseline gap-4 no-wrap w-full'):
            if machine.down_since is not None:
                ui.label(duration_text(machine.current_downtime_minutes)).classes('ctp-counter').props(
                    f'data-since={int(machine.down_since.timestamp())}')
            ui.space()
            ui.label(problem.acknowledged_by_name or 'UNASSIGNED').classes('ctp-tile-line')
        ui.label(problem.category or problem.problem_description[:60]).classes('ctp-tile-line w-full')
        if problem.vendor_arrived_at is not None:
            ui.label('Vendor on site').classes('ctp-badge')
        elif problem.vendor_called_at is not None:
            local = problem.vendor_called_at.astimezone(get_settings().zone)
            ui.label(f'Vendor called {local:%H:%M}').classes('ctp-badge')


def _unacknowledged_too_long(machine: MachinePublic) -> bool:
    problem = machine.open_problem
    if problem is None or problem.acknowledged_at is not None or not problem.is_stopping or problem.is_planned:
        return False
    return utcnow() - problem.start_time >= timedelta(minutes=get_settings().not_acknowledged_minutes)


def footer(data: BoardData, page_count: int, page_index: int) -> None:
    with ui.row().classes('ctp-wall-footer w-full items-center gap-6 no-wrap'):
        with ui.row().classes('gap-4 items-center'):
            ui.label('Today').classes('ctp-footer-title')
            for machine in data.machines:
                ui.label(f'{machine.nickname or machine.name} {duration_text(machine.today_downtime_minutes)}')
        ui.space()
        with ui.row().classes('gap-4 items-center'):
            ui.label('Top causes this week').classes('ctp-footer-title')
            for cause in data.causes:
                ui.label(f'{cause.subsystem} {duration_text(cause.minutes)}')
        if page_count > 1:
            ui.label(f'page {page_index + 1}/{page_count}')
        local = data.at.astimezone(get_settings().zone)
        ui.label(f'updated {local:%H:%M:%S}').mark('updated')
