"""The andon wall board: large tiles, live, readable at 5 m, with no interaction (DOMAIN.md §8).

What the board shows is read and built once for every wall of its scope and language (components/wall_data.py) and
reaches them in one room message per change (components/wall_rooms.py); the tiles and the footer draw it (wall_tile.js,
wall_footer.js). Each wall places its tiles itself: the pages (red tiles pinned to each), the sections' sizes, the
rotation.
"""
import logging
from typing import Any

from nicegui import ui

from app import i18n
from app.config import get_settings
from app.db import DATABASE_AWAY, session_scope
from app.i18n import _
from app.models import MachineStatus, utcnow
from app.models.schemas import MachinePublic
from app.services import board_cache, displays
from app.services.access import Actor
from components import rooms, wall_layout, wall_rooms
from components.coalesce import Coalesced
from components.language import speaking
from components.wall_data import WALL_READ, WallView, build, reader, tile_content, tile_texts
from components.worker import io

logger = logging.getLogger(__name__)
ROTATE_SECONDS = 10
RESYNC_TICKS = 3  # full re-read every 30 s (pushes are immediate anyway); a board 60 s without one is stale


def _touch(display_id: int) -> None:
    """The heartbeat behind "connected now" in Admin -> Displays."""
    with session_scope() as session:
        displays.touch(session, display_id)


def pages_of(tiles: list[MachinePublic], per_page: int | None = None) -> list[list[MachinePublic]]:
    """Pages of tiles: one page when they fit readably, else red tiles pinned to every page (wall_layout.py)."""
    return wall_layout.paginate(tiles, per_page)


class WallBoard:
    """A live board for one actor (a display device or a signed-in person): a member of its walls' room.

    Tiles are built once per machine and kept: a view sets only the tiles whose content changed, rotation shows/hides
    and reorders the kept tiles. A live wall whose layout a change leaves as it was only keeps the view (its room's
    message drew it) and catches up before it acts itself (the rotation's tick, the re-read, a reconnect). An idle
    board costs the screen nothing between reads: the counters and the clock tick in the browser, the drift against
    burn-in is a CSS animation, and a rotation tick with one page changes nothing (docs/BENCHMARKS.md, Soak).
    """

    def __init__(self, actor: Actor, scope: board_cache.Scope, *, per_page: int | None = None,
                 chime: bool = False) -> None:
        self.actor, self.per_page, self.chime = actor, per_page, chime
        self.key: wall_rooms.Key = (scope, i18n.current_language())
        self.page_index, self.ticks = 0, 0
        self.view: WallView | None = None  # the view the elements show
        self.latest: WallView | None = None  # the newest view taken, shown or not yet
        self.behind = False  # the elements have not caught up with `latest` (its room delivered it)
        self.reread = False  # the next update reads the board again
        self.placed: object = None  # the layout the elements show (_layout)
        self._red: set[int] = set()
        self.active = True
        self._timer: ui.timer | None = None
        self.tiles: dict[int, WallTile] = {}
        self.client = ui.context.client
        self.updates = Coalesced(self._update, 'wall-update')

    @property
    def scope(self) -> board_cache.Scope:
        return self.key[0]

    async def build(self) -> None:
        with ui.element('div').classes('ctp-wall-grid').mark('wall-grid') as self.grid:
            self.sections = (ui.element('div').classes('ctp-section ctp-section-big'),
                             ui.element('div').classes('ctp-section ctp-section-small'))
        self.footer = WallFooter()
        wall_rooms.join(self, self.key, self.actor)  # from now on: a change during the first read is taken
        try:
            await self.reload()  # (a view published meanwhile is newer: `apply` keeps it)
        except DATABASE_AWAY:  # the database restarts: the next re-read (or the bus's resync) fills the board
            logger.warning('wall board: first read failed, the board fills on its next read')
        self._timer = ui.timer(ROTATE_SECONDS, self._tick)
        self.client.on_connect(self._connected)

    def stop(self) -> None:
        """Cut the board off (revoked display): no more reads, no more ticks."""
        self.active = False
        wall_rooms.leave(self, self.key)
        if self._timer is not None:
            self._timer.cancel()

    def rescope(self, scope: board_cache.Scope) -> None:
        """The display or person now sees other machines: the board follows the room of its new scope."""
        wall_rooms.leave(self, self.key)
        self.key = (scope, self.key[1])
        wall_rooms.join(self, self.key, self.actor)
        self.resync()

    def take(self, view: WallView) -> None:
        """A view of the wall's scope was published: a live wall whose layout stays drew it from the room."""
        self.latest = view
        if rooms.live(self.client) and self._layout(pages_of(view.data.machines, self.per_page)) == self.placed:
            self.behind = True
        else:
            self.updates.request()

    def resync(self) -> None:
        """Read the board again, through the same queue as the pushed views: an older read never lands after a
        newer one."""
        self.reread = True
        self.updates.request()

    async def _update(self) -> None:
        if self.reread:
            self.reread = False
            await self.reload()
        elif self.latest is not None:
            self.apply(self.latest, sent=rooms.live(self.client))

    async def reload(self) -> None:
        """Read the board now (shared with the other walls of its scope and language) and show it."""
        reader(self.key, self.actor)
        data = await WALL_READ.get(self.key)
        if data is None or not self.active:  # None: the app is shutting down
            return
        if self.actor.display_id is not None:
            await io(_touch, self.actor.display_id)
        self.apply(build(self.key, data), sent=False)

    def apply(self, view: WallView, *, sent: bool) -> None:
        """Show the view (not one read before the shown one). `sent`: its room delivered the tiles and the footer."""
        if not self.active or self.client.is_deleted or view.key != self.key \
                or (self.view is not None and view.data.at < self.view.data.at):
            return
        self.view, self.latest, self.behind = view, view, False
        red = {m.id for m in view.data.machines if m.status == MachineStatus.DOWN}
        if self.chime and red - self._red:
            ui.run_javascript('window.ctpChime && window.ctpChime()')
        self._red = red
        self.render(sent=sent)
        self.footer.show(view.payload['footer'], sent=sent)
        self.grid.props(f'data-updated={int(view.data.at.timestamp())}')  # the browser's staleness check

    def _connected(self) -> None:
        """A (re)connected socket may have missed room messages: join the room, send the newest state."""
        wall_rooms.join(self, self.key, self.actor)
        self.catch_up()
        for tile_ in self.tiles.values():
            tile_.update()
        self.footer.update()

    def catch_up(self) -> None:
        if self.behind and self.latest is not None:
            self.apply(self.latest, sent=True)

    async def _tick(self) -> None:
        if not self.active:
            return
        self.ticks += 1
        self.page_index += 1
        if self.ticks % RESYNC_TICKS == 0:
            self.resync()
        else:
            with speaking(self.client):  # the board's own language, whatever context the timer runs in
                self.catch_up()
                self.render()

    @staticmethod
    def _layout(pages: list[list[MachinePublic]]) -> object:
        """What the wall places: the machines of each page, which are red or big."""
        return [[(m.id, m.status, wall_layout.is_big(m)) for m in page] for page in pages]

    def render(self, *, sent: bool = False) -> None:
        """Show the current page of tiles; only tiles whose content changed are set again."""
        if self.view is None:
            return
        machines = self.view.data.machines
        machines_by_id = {m.id: m for m in machines}
        for gone in [mid for mid in self.tiles if mid not in machines_by_id]:
            self.tiles.pop(gone).delete()
        pages = pages_of(machines, self.per_page)
        self.placed = self._layout(pages)
        page = pages[self.page_index % len(pages)]
        big = [m for m in page if wall_layout.is_big(m)]
        layout = wall_layout.plan(len(big), len(page) - len(big))
        tiles = self.view.payload['tiles']
        for section, group, shape in zip(self.sections, (big, page[len(big):]),
                                         (layout.big, layout.small) if layout else (None, None), strict=True):
            self._place(section, group, shape)
        for machine in machines:
            self._tile(machine.id).show(tiles[str(machine.id)], sent=sent)
        on_page = {m.id for m in page}
        for machine_id, tile_ in self.tiles.items():
            tile_.set_visibility(machine_id in on_page)
        self.grid.props(f'data-pages={len(pages)} data-machines={len(machines)} data-down={len(self._red)}')
        number = self.page_index % len(pages) + 1
        self.footer.page(_('page {number}/{count}').format(number=number, count=len(pages)) if len(pages) > 1 else '')

    def _tile(self, machine_id: int) -> 'WallTile':
        tile_ = self.tiles.get(machine_id)
        if tile_ is None:
            with self.sections[1]:
                tile_ = self.tiles[machine_id] = WallTile(machine_id)
        return tile_

    def _place(self, section: ui.element, group: list[MachinePublic], shape: wall_layout.Section | None) -> None:
        """Put the group's tiles into the section in order and size the section's grid."""
        for index, machine in enumerate(group):
            tile_ = self._tile(machine.id)
            children = section.default_slot.children
            if index >= len(children) or children[index] is not tile_:
                tile_.move(target_container=section, target_index=index)
        section.set_visibility(bool(group))
        if shape is not None and group:
            section.style(replace=f'--s: {shape.scale}; grid-template-columns: repeat({shape.cols}, minmax(0, 1fr)); '
                                  f'grid-template-rows: repeat({shape.rows}, calc(var(--u) * {shape.row_height}))')


class WallTile(ui.element, component='wall_tile.js', dependencies=['wall_live.js']):
    """One machine's tile (wall_data.tile_payload); set again only when what it shows changed."""

    def __init__(self, machine_id: int) -> None:
        super().__init__()
        self.mark(f'tile-{machine_id}')

    def show(self, tile: dict[str, Any], *, sent: bool = False) -> None:
        """Show this tile: an update only when what it shows differs (not when only the clock moved: the counter
        ticks in the browser). `sent`: the room's message delivered it to the screen; kept without another."""
        if tile_content(tile) == tile_content(self.props.get('tile')):
            return
        rooms.set_prop(self, 'tile', tile, sent=sent)

    def texts(self) -> list[str]:
        """What the tile shows, in reading order."""
        return tile_texts(self.props['tile']) if 'tile' in self.props else []

    def _displayed_contents(self, *, only_visible: bool) -> list[object]:
        return list(self.texts())


class WallFooter(ui.element, component='wall_footer.js', dependencies=['wall_live.js']):
    """Today's downtime (worst first), the week's top causes (wall_data.footer_payload), the page counter (the wall's
    own) and the update time."""

    def __init__(self) -> None:
        super().__init__()
        self.props['page'] = ''

    def show(self, footer: dict[str, Any], *, sent: bool = False) -> None:
        old = self.props.get('footer')
        if old is not None and {**old, 'seq': None} == {**footer, 'seq': None}:
            return
        rooms.set_prop(self, 'footer', footer, sent=sent)

    def page(self, text: str) -> None:
        if self.props['page'] != text:
            self.props['page'] = text

    def _displayed_contents(self, *, only_visible: bool) -> list[object]:
        footer = self.props.get('footer') or {'lists': [], 'updated': ''}
        return [self.props['page'], footer['updated'], *(text for title, lines in footer['lists']
                                                          for text in (title, *lines))]


def plant_clock() -> None:
    """The plant's time and zone; the browser ticks it in the plant zone (wall_assets.py), never its own."""
    zone = get_settings().zone
    with ui.row().classes('ctp-clock-box'):
        ui.label(i18n.time_text(utcnow())).classes('ctp-clock').props(f'data-zone={zone.key}')
        ui.label(zone.key).classes('ctp-zone')
