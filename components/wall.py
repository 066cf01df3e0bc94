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
from components.coalesce import Coalesced
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
    """A live board for one actor (a display device or a signed-in person).

    Tiles are built once per machine and kept: a change rebuilds only the tile whose machine (or flashing) changed,
    rotation shows/hides and reorders the kept tiles, and the footer's texts are set in place.
    """

    def __init__(self, actor: Actor, *, per_page: int = 12, chime: bool = False) -> None:
        self.actor, self.per_page, self.chime = actor, per_page, chime
        self.page_index, self.ticks = 0, 0
        self.data: BoardData | None = None
        self._red: set[int] = set()
        self.active = True
        self._timer: ui.timer | None = None
        self.tiles: dict[int, Tile] = {}

    async def build(self) -> None:
        self.grid = ui.element('div').classes('ctp-wall-grid w-full').mark('wall-grid')
        self.footer = Footer()
        await self.reload()
        self._timer = ui.timer(ROTATE_SECONDS, self._tick)
        self.updates = Coalesced(self.reload, 'wall-reload')

    def stop(self) -> None:
        """Cut the board off (revoked display): no more reads, no more ticks."""
        self.active = False
        if self._timer is not None:
            self._timer.cancel()

    async def reload(self) -> None:
        data = await run.io_bound(load_board, self.actor)
        if not self.active:
            return
        self.data = data
        red = {m.id for m in data.machines if m.status == MachineStatus.DOWN}
        if self.chime and red - self._red:
            ui.run_javascript('window.ctpChime && window.ctpChime()')
        self._red = red
        self.render()

    async def _tick(self) -> None:
        if not self.active:
            return
        self.ticks += 1
        self.page_index += 1
        if self.ticks % RESYNC_TICKS == 0:
            await self.reload()
        else:
            self.render()

    def render(self) -> None:
        """Show the current page of tiles; only tiles whose content changed are rebuilt."""
        if self.data is None:
            return
        machines_by_id = {m.id: m for m in self.data.machines}
        for gone in [mid for mid in self.tiles if mid not in machines_by_id]:
            self.tiles.pop(gone).element.delete()
        pages = pages_of(self.data.machines, self.per_page)
        page = pages[self.page_index % len(pages)]
        cols = grid_columns(len(page))
        for index, machine in enumerate(page):
            tile_ = self.tiles.get(machine.id)
            if tile_ is None:
                with self.grid:
                    tile_ = self.tiles[machine.id] = Tile(machine.id)
            tile_.show(machine, wide=cols > 1 and machine.status == MachineStatus.DOWN)
            if self.grid.default_slot.children[index] is not tile_.element:
                tile_.element.move(target_index=index)
        on_page = {m.id for m in page}
        for machine_id, tile_ in self.tiles.items():
            tile_.element.set_visibility(machine_id in on_page)
        shift = self.ticks % 3  # a few pixels of drift against burn-in
        self.grid.style(replace=f'margin: {shift}px {2 - shift}px; '
                                f'grid-template-columns: repeat({cols}, minmax(0, 1fr))')
        self.grid.props(f'data-updated={int(utcnow().timestamp())}')
        self.footer.show(self.data, len(pages), self.page_index % len(pages))


class Tile:
    """One machine's tile; rebuilt only when what it shows changed."""

    def __init__(self, machine_id: int) -> None:
        self.element = ui.element('div').mark(f'tile-{machine_id}')
        self.shown: tuple[MachinePublic, bool] | None = None
        self.look: tuple[str, str] | None = None

    def show(self, machine: MachinePublic, *, wide: bool) -> None:
        flashing = machine.open_problem is not None and _unacknowledged_too_long(machine)
        classes = 'ctp-tile' + (' ctp-flash' if flashing else '') + (' ctp-wide' if wide else '')
        look = (classes, f'background:{TILE_BG.get(machine.status, "#333")}')
        if look != self.look:
            self.look = look
            self.element.classes(replace=look[0]).style(replace=look[1])
        if (machine, flashing) != self.shown:
            self.shown = (machine, flashing)
            self.element.clear()
            with self.element:
                tile_body(machine, flashing=flashing)


class Footer:
    """Today's downtime per machine, the week's top causes, the page counter and the update time."""

    def __init__(self) -> None:
        self.texts: tuple[list[str], list[str]] | None = None
        with ui.row().classes('ctp-wall-footer w-full items-center gap-6 no-wrap'):
            self.today = ui.row().classes('gap-4 items-center')
            ui.space()
            self.causes = ui.row().classes('gap-4 items-center')
            self.page = ui.label()
            self.updated = ui.label().mark('updated')

    def show(self, data: BoardData, page_count: int, page_index: int) -> None:
        texts = ([f'{m.nickname or m.name} {duration_text(m.today_downtime_minutes)}' for m in data.machines],
                 [f'{cause.subsystem} {duration_text(cause.minutes)}' for cause in data.causes])
        if texts != self.texts:
            self.texts = texts
            for row, title, lines in ((self.today, 'Today', texts[0]), (self.causes, 'Top causes this week', texts[1])):
                row.clear()
                with row:
                    ui.label(title).classes('ctp-footer-title')
                    for line in lines:
                        ui.label(line)
        self.page.set_text(f'page {page_index + 1}/{page_count}')
        self.page.set_visibility(page_count > 1)
        self.updated.set_text(f'updated {data.at.astimezone(get_settings().zone):%H:%M:%S}')


def grid_columns(count: int) -> int:
    """Columns for a landscape wall screen: 1, 2x2, 3x3, then 4 wide."""
    return 1 if count <= 1 else 2 if count <= 3 else 3 if count <= 8 else 4


def tile_body(machine: MachinePublic, *, flashing: bool) -> None:
    """What a tile shows: status, name, and for an open problem the counter, who, what and the vendor."""
    _colour, icon, word = status_look(machine.status)
    problem = machine.open_problem
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
