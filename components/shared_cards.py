"""A machine's card is built once per change and language for every overview screen (issue 24).

The scope's board message (components/scope_rooms.py) carries the cards of the machines that changed, built here
once per language however many scopes and screens show them. A screen keeps the card it was sent that way without
another message (`published`, MachineCard.show), so a reload or reconnect draws the same state.
"""
import logging
from collections.abc import Callable
from typing import Any

from nicegui import Client, core

from app.models.schemas import MachinePublic
from app.services import board_cache
from components.coalesce import SharedLoad

logger = logging.getLogger(__name__)

NAMESPACE = '/'
# every screen of this process reads the board cache through this: one worker-thread hop per change and language
BOARD_READ: SharedLoad[str, list[MachinePublic]] = SharedLoad(lambda language: board_cache.board_rows(None, language))
# builds a card's payload for a row in a language (components/machine_card.py registers it; avoids an import cycle)
Builder = Callable[[MachinePublic, str], dict[str, Any]]
_builder: list[Builder] = []
# (machine, language): the row and the payload built from it for the scopes' messages
_published: dict[tuple[int, str], tuple[MachinePublic, dict[str, Any]]] = {}


def register_builder(builder: Builder) -> None:
    _builder[:] = [builder]


def card(row: MachinePublic, language: str) -> dict[str, Any] | None:
    """The row's card in that language for a board message: built once per row (the scopes share one read)."""
    found = _published.get((row.id, language))
    if found is not None and found[0] is row:
        return found[1]
    if not _builder:
        return None
    payload = _builder[0](row, language)
    _published[(row.id, language)] = (row, payload)
    return payload


def published(row: MachinePublic, language: str) -> dict[str, Any] | None:
    """The payload a board message carried for this very row in that language (the screens and the publication
    share one read per change), else None: the screen then sends its card itself."""
    found = _published.get((row.id, language))
    return found[1] if found is not None and found[0] is row else None


def forget(machine_id: int) -> None:
    """machine_changed: what was built for the machine is stale."""
    for key in [k for k in _published if k[0] == machine_id]:
        del _published[key]


def clear() -> None:
    _published.clear()


def sockets(client: Client) -> list[str]:
    """The client's live socket ids (NiceGUI puts each into the room named after the client at its handshake)."""
    return list(client._socket_to_document_id)  # noqa: SLF001 - NiceGUI has no public accessor


def move_socket(sid: str, leaving: list[str], joining: list[str]) -> None:
    if sid.startswith('test-'):  # the simulated screens of page tests have no socket.io session
        return
    manager = core.sio.manager
    for name in leaving:
        manager.basic_leave_room(sid, NAMESPACE, name)
    for name in joining:
        try:
            manager.basic_enter_room(sid, NAMESPACE, name)
        except (KeyError, ValueError):  # the socket has just gone: its disconnect removes it everywhere
            logger.debug('socket %s gone before joining %s', sid, name)
