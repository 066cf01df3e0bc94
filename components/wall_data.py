"""What a wall board shows (DOMAIN.md §8), read and built once for every wall of a scope and language (issue 24).

`load_board` reads the machines and the week's causes; `build` turns them into the view the walls draw: a payload per
tile (wall_tile.js) and one for the footer's lists and update time (wall_footer.js), its texts in the key's language.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from app import i18n
from app.config import get_settings
from app.db import read_session
from app.i18n import _
from app.models import utcnow
from app.models.schemas import MachinePublic
from app.services import board_cache, calendar, machines, stats
from app.services.access import Actor
from components import rooms
from components.coalesce import SharedLoad
from components.design import duration_text, status_look

FOOTER_ITEMS = 4
TILE_BG = {'down': '#b71c1c', 'maintenance': '#0d47a1', 'degraded': '#a86b00', 'operational': '#1b5e20'}
Key = tuple[board_cache.Scope, str]  # (scope, language)


@dataclass
class BoardData:
    machines: list[MachinePublic]
    causes: list[stats.CauseRow]
    at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True)
class WallView:
    """What every wall of one scope and language shows, and the payload its components draw."""

    key: Key
    data: BoardData
    payload: dict[str, Any]  # seq, tiles (by machine id), footer


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
_readers: dict[Key, Actor] = {}


def reader(key: Key, actor: Actor) -> None:
    """The actor the key's shared read is made as (the newest wall's: they all see the same scope)."""
    _readers[key] = actor


def _read_for(key: Key) -> BoardData:
    with i18n.language(key[1]):  # causes and categories in the boards' language
        return load_board(_readers[key])


WALL_READ: SharedLoad[Key, BoardData] = SharedLoad(_read_for)


def build(key: Key, data: BoardData) -> WallView:
    """The view of this read, its texts in the key's language."""
    with i18n.language(key[1]):
        tiles = {str(machine.id): tile_payload(machine) for machine in data.machines}
        footer = footer_payload(data)
    return WallView(key, data, {'seq': next(rooms.sequence), 'tiles': tiles, 'footer': footer})


def tile_payload(machine: MachinePublic) -> dict[str, Any]:
    """What a tile draws: status, machine; for an open problem also the counter, who has it (or the alarm) and the
    cause; flashing when a stop waits too long for someone to take it. In the current language."""
    _colour, icon, word = status_look(machine.status)
    problem = machine.open_problem
    flashing = problem is not None and unacknowledged_too_long(machine)
    due = None if machine.maintenance_due is None else \
        _('Maintenance overdue') if machine.maintenance_due == 'overdue' else _('Maintenance due')
    tile: dict[str, Any] = {'seq': next(rooms.sequence), 'id': machine.id, 'problem': None,
                            'cls': 'ctp-tile' + (' ctp-flash' if flashing else ''),
                            'bg': TILE_BG.get(machine.status, '#333'), 'icon': icon, 'word': word, 'due': due,
                            'name': machine.nickname or machine.name}
    if problem is None:
        return tile
    if problem.vendor_arrived_at is not None:
        vendor: str | None = _('Vendor on site')
    elif problem.vendor_called_at is not None:
        vendor = _('Vendor called {time}').format(time=i18n.time_text(problem.vendor_called_at))
    else:
        vendor = None
    since = machine.down_since
    tile['problem'] = {
        'since': None if since is None else int(since.timestamp()),
        'counter': None if since is None else duration_text(machine.current_downtime_minutes),
        'who': _('NOT ACKNOWLEDGED') if flashing else problem.acknowledged_by_name or _('UNASSIGNED'),
        'alert': flashing, 'vendor': vendor, 'cause': problem.category or problem.problem_description[:80]}
    return tile


def tile_texts(tile: dict[str, Any]) -> list[str]:
    """What a tile shows, in reading order."""
    problem = tile['problem'] or {}
    texts = [tile['word'], tile['due'], tile['name'], problem.get('counter'), problem.get('who'), problem.get('vendor'),
             problem.get('cause')]
    return [text for text in texts if text]


def tile_content(tile: dict[str, Any] | None) -> object:
    """What makes a tile drawn again: not its sequence number, nor the counter that ticks in the browser."""
    if tile is None:
        return None
    problem = tile['problem'] and {**tile['problem'], 'counter': None}
    return {**tile, 'seq': None, 'problem': problem}


def footer_payload(data: BoardData) -> dict[str, Any]:
    """Today's downtime (worst first), the week's top causes and the update time (plant zone)."""
    worst = sorted((m for m in data.machines if m.today_downtime_minutes > 0), key=lambda m: -m.today_downtime_minutes)
    today = [f'{m.nickname or m.name} {duration_text(m.today_downtime_minutes)}' for m in worst[:FOOTER_ITEMS]]
    causes = [f'{cause.subsystem} {duration_text(cause.minutes)}' for cause in data.causes[:FOOTER_ITEMS]]
    lists = [[_('Down today'), today or [_('none')]], [_('Top causes this week'), causes or [_('none')]]]
    return {'seq': next(rooms.sequence), 'lists': lists,
            'updated': _('updated {time}').format(time=i18n.time_text(data.at, seconds=True))}


def unacknowledged_too_long(machine: MachinePublic) -> bool:
    problem = machine.open_problem
    if problem is None or problem.acknowledged_at is not None or not problem.is_stopping or problem.is_planned:
        return False
    return utcnow() - problem.start_time >= timedelta(minutes=get_settings().not_acknowledged_minutes)
