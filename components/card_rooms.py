"""One message per machine and language for every overview screen that may see it (issue 24): socket.io rooms.

A changed machine's card is built once per language and emitted once to the room of that machine and language;
every overview screen whose scope holds the machine has its sockets in that room, and its card component
(machine_card.js) shows the newest of the room's card and its own `card` prop. A screen joins only the rooms of
the cards it shows (its scope: pages/overview.py), leaves them when a card goes (an access change), and joins
again with every new socket of its client (a reconnect). What a screen was sent through the room is kept on its
card without another message (MachineCard.show), so a reload or reconnect draws the same state.

The room messages are not replayed after a short socket drop: a reconnecting screen re-sends its cards
(`CardRooms.resend`), which carry the newest state.
"""
import asyncio
import logging
from collections.abc import Callable
from typing import Any

from nicegui import Client, background_tasks, core

from app import events
from app.models.schemas import MachinePublic
from app.services import board_cache
from components.coalesce import SharedLoad, subscribe_process_wide
from components.rooms import NAMESPACE, move_socket, sockets

logger = logging.getLogger(__name__)

EVENT = 'ctp_card'
# every screen of this process reads the board cache through this: one worker-thread hop per change and language
BOARD_READ: SharedLoad[str, list[MachinePublic]] = SharedLoad(lambda language: board_cache.board_rows(None, language))
# builds a card's payload for a row in a language (components/machine_card.py registers it; avoids an import cycle)
Builder = Callable[[MachinePublic, str], dict[str, Any]]
_builder: list[Builder] = []
# (machine, language): the row and the payload last sent to its room
_published: dict[tuple[int, str], tuple[MachinePublic, dict[str, Any]]] = {}
_languages: set[str] = set()  # the languages of the screens that joined rooms
_pending: dict[str, set[int]] = {}  # language: machines changed since its last publication
_running: dict[str, 'asyncio.Task[None]'] = {}  # language: its publication in progress


def room(machine_id: int, language: str) -> str:
    return f'ctp-card:{language}:{machine_id}'


def published(row: MachinePublic, language: str) -> dict[str, Any] | None:
    """The payload emitted to the row's room in that language when it was built from this very row (the screens
    and the publication share one read per change), else None: the screen then sends its card itself."""
    found = _published.get((row.id, language))
    return found[1] if found is not None and found[0] is row else None


async def settled(language: str) -> None:
    """Wait for the publication in progress in that language, if any: a screen applies a change after its room
    message went out, so it keeps the published card instead of sending it again (a screen woken by the change's
    problem event reads before the publication does)."""
    task = _running.get(language)
    if task is not None and not task.done() and task is not asyncio.current_task():
        await asyncio.wait([task])


class CardRooms:
    """The rooms of one overview screen: exactly the machines it shows, in its language."""

    def __init__(self, client: Client, language: str, on_reconnect: Callable[[], None]) -> None:
        self.client, self.language, self.machines = client, language, frozenset[int]()
        self.on_reconnect = on_reconnect
        _ensure_wired()
        _languages.add(language)
        client.on_connect(self._connected)

    def follow(self, machine_ids: set[int]) -> None:
        """Be in the rooms of these machines and of no other."""
        wanted = frozenset(machine_ids)
        leaving, joining = self.machines - wanted, wanted - self.machines
        self.machines = wanted
        for sid in sockets(self.client):
            move_socket(sid, [room(m, self.language) for m in leaving], [room(m, self.language) for m in joining])

    def _connected(self) -> None:
        for sid in sockets(self.client):  # a new socket (a reconnect) joins the rooms again
            move_socket(sid, [], [room(m, self.language) for m in self.machines])
        self.on_reconnect()


def register_builder(builder: Builder) -> None:
    _builder[:] = [builder]


def _ensure_wired() -> None:
    """Subscribe once per process (again after tests cleared the subscriptions)."""
    if subscribe_process_wide(events.machine_changed, _on_machine):
        _published.clear()
        _pending.clear()
        _running.clear()  # a publication cancelled before it started (tests stop the loop) never ran its finally


def _languages_following(machine_id: int) -> set[str]:
    rooms = core.sio.manager.rooms.get(NAMESPACE, {})
    return {language for language in _languages if room(machine_id, language) in rooms}


def _on_machine(machine_id: int) -> None:
    """machine_changed: mark what was published stale and publish the machine again for each language whose room
    has members (one background task per language, coalescing a burst)."""
    BOARD_READ.invalidate()
    for key in [k for k in _published if k[0] == machine_id]:
        del _published[key]
    if core.app.is_stopping or core.app.is_stopped:
        return
    for language in _languages_following(machine_id):
        _pending.setdefault(language, set()).add(machine_id)
        running = _running.get(language)
        if running is None or running.done():
            _running[language] = background_tasks.create(_publish(language), name='card-rooms')


async def _publish(language: str) -> None:
    try:
        while machines := _pending.pop(language, set()):
            rows = {row.id: row for row in await BOARD_READ.ask(language)}
            for machine_id in machines:
                row = rows.get(machine_id)
                if row is None or not _builder:  # retired or gone: the screens' own update removes the card
                    continue
                payload = _builder[0](row, language)
                _published[(machine_id, language)] = (row, payload)
                await core.sio.emit(EVENT, {'id': machine_id, 'card': payload}, room=room(machine_id, language))
    except asyncio.CancelledError:
        raise
    except Exception:  # a failed read: the screens' own update still applies the change through their props
        logger.exception('publishing cards in %s failed', language)
    finally:
        if _running.get(language) is asyncio.current_task():
            del _running[language]
