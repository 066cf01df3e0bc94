"""One message per scope, language and change for every overview screen that sees that board (issue 24).

Screens of the same scope (every machine, or one set of assigned machines) and language show the same board: its red-
first order, each machine's status (the status filter), the summary line and the recent problems. After a change that
view is read and built once and emitted once to the socket.io room `ctp-scope:<language>:<scope>`; the page's components
draw it (board_live.js keeps the newest view by `seq`; machine_card.js, board_note.js and recent_list.js read it). A
changed card goes to the room of its machine first (components/card_rooms.py). A screen with a live socket in the room
only keeps the view (`Member.take`): its elements catch up when it acts on them itself (the clock's tick, the filter, a
reconnect), so a change costs it no work and no message of its own. A screen without a live socket (not connected yet,
or NiceGUI's simulated user) and a change of the board's machines (one added or retired) update the screen's elements as
before (`Member.take` decides).
"""
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app import events, i18n
from app.i18n import _, ngettext
from app.models.schemas import MachinePublic, ProblemLogPublic
from app.services import board_cache
from app.services.board_cache import Scope
from components import card_rooms, rooms
from components.card_rooms import BOARD_READ
from components.coalesce import SharedLoad, subscribe_process_wide
from components.rooms import Member

EVENT = 'ctp_scope'
# every screen of this process reads the recent problems through this: one worker-thread hop per scope and language
RECENT_READ: SharedLoad[tuple[Scope, str], list[ProblemLogPublic]] = SharedLoad(
    lambda key: board_cache.recent_problems(*key))
Key = tuple[Scope, str]  # (scope, language)
# builds a recent row's payload (components/recent_list.py registers it; avoids an import cycle)
RowBuilder = Callable[[ProblemLogPublic], dict[str, Any]]
_row_builder: list[RowBuilder] = []


@dataclass(frozen=True)
class View:
    """What every screen of one scope and language shows of the board, and the payload its components draw."""

    key: Key
    rows: list[MachinePublic]  # the scope's machines, red first
    problems: list[ProblemLogPublic]  # the newest problems, newest first
    payload: dict[str, Any]  # seq, order, status, summary, recent


def room(key: Key) -> str:
    scope, language = key
    return f'ctp-scope:{language}:{rooms.scope_name(scope)}'


def build(key: Key, rows: list[MachinePublic], problems: list[ProblemLogPublic]) -> View:
    """The view of these rows (all machines; the scope's are kept) and problems, its texts in the key's language."""
    scope, language = key
    rows = [row for row in rows if scope is None or row.id in scope]
    with i18n.language(language):
        down = sum(1 for row in rows if row.status == 'down')
        summary = (ngettext('{count} machine', '{count} machines', len(rows)).format(count=len(rows))
                   + ' · ' + _('{count} down').format(count=down)) if rows else ''
        recent = [_row_builder[0](problem) for problem in problems] if _row_builder else []
    payload = {'seq': next(rooms.sequence), 'order': [row.id for row in rows],
               'status': {str(row.id): row.status for row in rows}, 'summary': summary, 'recent': recent}
    return View(key, rows, problems, payload)


def register_row_builder(builder: RowBuilder) -> None:
    _row_builder[:] = [builder]


async def _read(key: Key) -> View:
    """The key's view after a change: the board and the recent problems read once for every screen of the key."""
    boards, recent = BOARD_READ.ask(key[1]), RECENT_READ.ask(key)  # asked together: shared reads
    rows, problems = await boards, await recent
    await card_rooms.settled(key[1])  # the changed cards first: a screen sees its card, then the board move
    return build(key, rows, problems)


ROOMS: rooms.Rooms[Key, View] = rooms.Rooms(EVENT, room, _read, lambda view: view.payload)


def join(member: Member[View], key: Key) -> None:
    """The member gets the views of this scope and language, and its client's sockets their room's messages."""
    _ensure_wired()
    ROOMS.join(member, key)


def leave(member: Member[View], key: Key) -> None:
    ROOMS.leave(member, key)


def _ensure_wired() -> None:
    """Subscribe once per process (again after tests cleared the subscriptions)."""
    if subscribe_process_wide(events.machine_changed, _on_machine):
        ROOMS.reset()
    subscribe_process_wide(events.problem_log_changed, _on_problem)


def _on_machine(machine_id: int) -> None:
    BOARD_READ.invalidate()
    RECENT_READ.invalidate()
    ROOMS.request(key for key in ROOMS.members if key[0] is None or machine_id in key[0])


def _on_problem(log_id: int) -> None:
    """A problem shown in a recent list changed; a new or edited one comes with machine_changed of its machine."""
    RECENT_READ.invalidate()
    ROOMS.request(key for key, view in ROOMS.last.items() if any(problem.id == log_id for problem in view.problems))
