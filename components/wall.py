"""The andon wall board: large tiles, live, readable at 5 m, with no interaction (DOMAIN.md §8)."""
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from nicegui import ui

from app import i18n
from app.config import get_settings
from app.db import DATABASE_AWAY, read_session, session_scope
from app.i18n import _
from app.models import MachineStatus, utcnow
from app.models.schemas import MachinePublic
from app.services import board_cache, calendar, displays, machines, stats
from app.services.access import Actor
from components import wall_layout
from components.coalesce import Coalesced, SharedLoad
from components.design import duration_text, status_look
from components.language import speaking
from components.worker import io

logger = logging.getLogger(__name__)
ROTATE_SECONDS = 10
RESYNC_TICKS = 3  # full re-read every 30 s (pushes are immediate anyway); a board 60 s without one is stale
FOOTER_ITEMS = 4
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


# The boards of one scope and language show the same machines and causes: every wall of the process that asks at
# about the same time (after a change) shares one read, made as one of them (the services scope it by its actor).
Key = tuple[board_cache.Scope, str]
_readers: dict[Key, Actor] = {}


def _read_for(key: Key) -> BoardData:
    with i18n.language(key[1]):  # causes and categories in the boards' language
        return load_board(_readers[key])


WALL_READ: SharedLoad[Key, BoardData] = SharedLoad(_read_for)


def _touch(display_id: int) -> None:
    """The heartbeat behind "connected now" in Admin -> Displays."""
    with session_scope() as session:
        displays.touch(session, display_id)


def pages_of(tiles: list[MachinePublic], per_page: int | None = None) -> list[list[MachinePublic]]:
    """Pages of tiles: one page when they fit readably, else red tiles pinned to every page (wall_layout.py)."""
    return wall_layout.paginate(tiles, per_page)


class WallBoard:
    """A live board for one actor (a display device or a signed-in person).

    Tiles are built once per machine and kept: a change rebuilds only the tile whose machine (or flashing) changed,
    rotation shows/hides and reorders the kept tiles, and the footer's texts are set in place. An idle board costs
    the screen nothing between reads: the counters and the clock tick in the browser, the drift against burn-in is
    a CSS animation, and a rotation tick with one page changes nothing (docs/BENCHMARKS.md, Soak).
    """

    def __init__(self, actor: Actor, scope: board_cache.Scope, *, per_page: int | None = None,
                 chime: bool = False) -> None:
        self.actor, self.scope, self.per_page, self.chime = actor, scope, per_page, chime
        self.language = i18n.current_language()
        self.page_index, self.ticks = 0, 0
        self.data: BoardData | None = None
        self._red: set[int] = set()
        self.active = True
        self._timer: ui.timer | None = None
        self.tiles: dict[int, Tile] = {}
        self.client = ui.context.client

    async def build(self) -> None:
        with ui.element('div').classes('ctp-wall-grid').mark('wall-grid') as self.grid:
            self.sections = (ui.element('div').classes('ctp-section ctp-section-big'),
                             ui.element('div').classes('ctp-section ctp-section-small'))
        self.footer = Footer()
        try:
            await self.reload()
        except DATABASE_AWAY:  # the database restarts: the next re-read (or the bus's resync) fills the board
            logger.warning('wall board: first read failed, the board fills on its next read')
        self._timer = ui.timer(ROTATE_SECONDS, self._tick)
        self.updates = Coalesced(self.reload, 'wall-reload')

    def stop(self) -> None:
        """Cut the board off (revoked display): no more reads, no more ticks."""
        self.active = False
        if self._timer is not None:
            self._timer.cancel()

    async def reload(self) -> None:
        key = (self.scope, self.language)
        _readers[key] = self.actor
        data = await WALL_READ.get(key)  # shared with the other walls of its scope and language
        if data is None or not self.active:  # None: the app is shutting down
            return
        if self.actor.display_id is not None:
            await io(_touch, self.actor.display_id)
        self.data = data
        red = {m.id for m in data.machines if m.status == MachineStatus.DOWN}
        if self.chime and red - self._red:
            ui.run_javascript('window.ctpChime && window.ctpChime()')
        self._red = red
        self.render()
        self.grid.props(f'data-updated={int(data.at.timestamp())}')  # the browser's staleness check (wall_assets.py)

    async def _tick(self) -> None:
        if not self.active:
            return
        self.ticks += 1
        self.page_index += 1
        if self.ticks % RESYNC_TICKS == 0:
            self.updates.request()  # through the same queue as pushes: an older read never lands after a newer one
        else:
            with speaking(self.client):  # the board's own language, whatever context the timer runs in
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
        big = [m for m in page if wall_layout.is_big(m)]
        layout = wall_layout.plan(len(big), len(page) - len(big))
        for section, group, shape in zip(self.sections, (big, page[len(big):]),
                                         (layout.big, layout.small) if layout else (None, None), strict=True):
            self._place(section, group, shape)
        on_page = {m.id for m in page}
        for machine_id, tile_ in self.tiles.items():
            tile_.element.set_visibility(machine_id in on_page)
        self.grid.props(f'data-pages={len(pages)} data-machines={len(self.data.machines)} data-down={len(self._red)}')
        self.footer.show(self.data, len(pages), self.page_index % len(pages))

    def _place(self, section: ui.element, group: list[MachinePublic], shape: wall_layout.Section | None) -> None:
        """Put the group's tiles into the section in order and size the section's grid."""
        for index, machine in enumerate(group):
            tile_ = self.tiles.get(machine.id)
            if tile_ is None:
                with section:
                    tile_ = self.tiles[machine.id] = Tile(machine.id)
            tile_.show(machine)
            children = section.default_slot.children
            if index >= len(children) or children[index] is not tile_.element:
                tile_.element.move(target_container=section, target_index=index)
        section.set_visibility(bool(group))
        if shape is not None and group:
            section.style(replace=f'--s: {shape.scale}; grid-template-columns: repeat({shape.cols}, minmax(0, 1fr)); '
                                  f'grid-template-rows: repeat({shape.rows}, calc(var(--u) * {shape.row_height}))')


class Tile:
    """One machine's tile; rebuilt only when what it shows changed."""

    def __init__(self, machine_id: int) -> None:
        self.element = ui.element('div').mark(f'tile-{machine_id}')
        self.shown: tuple[MachinePublic, bool] | None = None
        self.look: tuple[str, str] | None = None

    def show(self, machine: MachinePublic) -> None:
        flashing = machine.open_problem is not None and _unacknowledged_too_long(machine)
        classes = 'ctp-tile' + (' ctp-flash' if flashing else '')
        look = (classes, f'background:{TILE_BG.get(machine.status, "#333")}')
        if look != self.look:
            self.look = look
            self.element.classes(replace=look[0]).style(replace=look[1])
        shown = (_without_clock(machine), flashing)
        if shown != self.shown:  # not when only the clock moved: the counter ticks in the browser
            self.shown = shown
            self.element.clear()
            with self.element:
                tile_body(machine, flashing=flashing)


class Footer:
    """Today's downtime (worst first), the week's top causes, the page counter and the update time (plant zone)."""

    def __init__(self) -> None:
        self.texts: tuple[list[str], list[str]] | None = None
        with ui.element('div').classes('ctp-wall-footer'):
            self.today = ui.element('div').classes('ctp-footer-list')
            self.causes = ui.element('div').classes('ctp-footer-list')
            self.page = ui.label().classes('ctp-footer-fixed')
            self.updated = ui.label().classes('ctp-footer-fixed').mark('updated')

    def show(self, data: BoardData, page_count: int, page_index: int) -> None:
        worst = sorted((m for m in data.machines if m.today_downtime_minutes > 0),
                       key=lambda m: -m.today_downtime_minutes)
        texts = ([f'{m.nickname or m.name} {duration_text(m.today_downtime_minutes)}' for m in worst[:FOOTER_ITEMS]],
                 [f'{cause.subsystem} {duration_text(cause.minutes)}' for cause in data.causes[:FOOTER_ITEMS]])
        if texts != self.texts:
            self.texts = texts
            titled = ((self.today, _('Down today'), texts[0]), (self.causes, _('Top causes this week'), texts[1]))
            for row, title, lines in titled:
                _fill(row, title, lines or [_('none')])
        self.page.set_text(_('page {number}/{count}').format(number=page_index + 1, count=page_count))
        self.page.set_visibility(page_count > 1)
        self.updated.set_text(_('updated {time}').format(time=i18n.time_text(data.at, seconds=True)))


def _fill(row: ui.element, title: str, lines: list[str]) -> None:
    """The row's title and lines; the title shares an unbreakable lead with the first line, so it never shows alone.
    The labels are kept and their texts set when only the figures moved (a down machine's minutes of today), so a
    re-read never rebuilds the footer."""
    first, *rest = lines
    children = list(row.default_slot.children)
    leads = [child for child in children if not isinstance(child, ui.label)]
    labels = [child for child in children if isinstance(child, ui.label)]
    if len(leads) != 1 or len(labels) != len(rest):
        row.clear()
        with row:
            with ui.element('span').classes('ctp-footer-lead'):
                ui.label(title).classes('ctp-footer-title')
                ui.label(first)
            for line in rest:
                ui.label(line)  # items that do not fit wrap onto a hidden line: whole, never cut
        return
    kept = [*leads[0].default_slot.children, *labels]
    for label, text in zip(kept, [title, first, *rest], strict=True):
        label.set_text(text)  # type: ignore[attr-defined]  # the lead holds two labels, built just above


def plant_clock() -> None:
    """The plant's time and zone; the browser ticks it in the plant zone (wall_assets.py), never its own."""
    zone = get_settings().zone
    with ui.row().classes('ctp-clock-box'):
        ui.label(i18n.time_text(utcnow())).classes('ctp-clock').props(f'data-zone={zone.key}')
        ui.label(zone.key).classes('ctp-zone')


MAINTENANCE_BADGE = ('margin-left: auto; font-size: calc(var(--u) * 1.1 * var(--s)); flex: 0 1 auto; min-width: 0; '
                     'white-space: normal; line-height: 1.1; text-align: center')  # wraps (two small lines in the
# head row's height) before the status word shrinks: 'Maintenance / overdue', never 'Maintenance o…'


def tile_body(machine: MachinePublic, *, flashing: bool) -> None:
    """Status and machine; for an open problem also the counter, who has it (or the alarm) and the cause."""
    _colour, icon, word = status_look(machine.status)
    problem = machine.open_problem
    with ui.row().classes('ctp-tile-head'):
        ui.icon(icon).classes('ctp-tile-icon')
        ui.label(word).classes('ctp-tile-word')
        if machine.maintenance_due is not None:  # small, in the head row: it takes no line from the tile's texts
            text = _('Maintenance overdue') if machine.maintenance_due == 'overdue' else _('Maintenance due')
            ui.label(text).classes('ctp-badge').style(MAINTENANCE_BADGE).mark(f'maintenance-badge-{machine.id}')
    ui.label(machine.nickname or machine.name).classes('ctp-tile-name')
    if problem is None:
        return
    if machine.down_since is not None:
        ui.label(duration_text(machine.current_downtime_minutes)).classes('ctp-counter').props(
            f'data-since={int(machine.down_since.timestamp())}')
    with ui.row().classes('ctp-tile-who'):
        if flashing:
            ui.label(_('NOT ACKNOWLEDGED')).classes('ctp-badge ctp-badge-alert')
        else:
            ui.label(problem.acknowledged_by_name or _('UNASSIGNED')).classes('ctp-who')
        if problem.vendor_arrived_at is not None:
            ui.label(_('Vendor on site')).classes('ctp-badge')
        elif problem.vendor_called_at is not None:
            called = i18n.time_text(problem.vendor_called_at)
            ui.label(_('Vendor called {time}').format(time=called)).classes('ctp-badge')
    ui.label(problem.category or problem.problem_description[:80]).classes('ctp-tile-cause')


def _without_clock(machine: MachinePublic) -> MachinePublic:
    """The machine without the figures that grow with the clock alone, which the tile never needs redrawn for."""
    return machine.model_copy(update={'current_downtime_minutes': 0, 'today_downtime_minutes': 0})


def _unacknowledged_too_long(machine: MachinePublic) -> bool:
    problem = machine.open_problem
    if problem is None or problem.acknowledged_at is not None or not problem.is_stopping or problem.is_planned:
        return False
    return utcnow() - problem.start_time >= timedelta(minutes=get_settings().not_acknowledged_minutes)
