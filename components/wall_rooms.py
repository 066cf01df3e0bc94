"""One message per scope, language and change for every wall board of that scope (issue 24): the walls' room.

The walls of one scope (a display paired with some machines, or the whole plant) and language show the same tiles and
footer. After a change of one of their machines the board is read and built once (components/wall_data.py) and emitted
once to the socket.io room `ctp-wall:<language>:<scope>`; the tiles (wall_tile.js) and the footer (wall_footer.js) draw
it. A wall with a live socket whose layout stays (the same machines on the same pages, the same red ones) only keeps the
view (WallBoard.take); a change of the layout, and a wall without a live socket, update the wall's elements.
"""

from app import events
from app.services.access import Actor
from components import rooms
from components.coalesce import subscribe_process_wide
from components.rooms import Member
from components.wall_data import WALL_READ, Key, WallView, build, reader

EVENT = 'ctp_wall'


def room(key: Key) -> str:
    scope, language = key
    return f'ctp-wall:{language}:{rooms.scope_name(scope)}'


async def _read(key: Key) -> WallView:
    return build(key, await WALL_READ.ask(key))


ROOMS: rooms.Rooms[Key, WallView] = rooms.Rooms(EVENT, room, _read, lambda view: view.payload)


def join(member: Member[WallView], key: Key, actor: Actor) -> None:
    """The member gets the views of this scope and language, and its client's sockets their room's messages."""
    if subscribe_process_wide(events.machine_changed, _on_machine):
        ROOMS.reset()
    reader(key, actor)
    ROOMS.join(member, key)


def leave(member: Member[WallView], key: Key) -> None:
    ROOMS.leave(member, key)


def _on_machine(machine_id: int) -> None:
    WALL_READ.invalidate()  # no wall joins a read that began before the change
    ROOMS.request(key for key in ROOMS.members if key[0] is None or machine_id in key[0])
