"""Socket.io rooms of screens that show the same thing (issue 24): a view built once per key and change, emitted once.

A key names what a set of screens shows alike: the overview's board of a scope and language
(components/scope_rooms.py), the bell of a user in a language (components/bell_rooms.py). Each screen is a `Member`
of its key: its live sockets are in the key's room, and `take(view)` hands it every view published for the key (a
screen with a live socket only keeps it: its components draw the room's message; a screen without one, such as the
simulated user of the page tests, updates its elements itself). Changes that arrive while a round publishes make one
more round, not one per change; a closed screen is forgotten at the next change of its key.
"""
import asyncio
import hashlib
import itertools
import logging
import weakref
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Any, Generic, Protocol, TypeVar

from nicegui import Client, background_tasks, core, ui

logger = logging.getLogger(__name__)
NAMESPACE = '/'
K = TypeVar('K', bound=Hashable)
V = TypeVar('V')
V_contra = TypeVar('V_contra', contravariant=True)
# one sequence for every room and every screen's own props: a component shows the newer (greater) of the two
sequence = itertools.count(1)


class Member(Protocol[V_contra]):
    """A screen of a key: `take` gets each view published for it."""

    client: Client

    def take(self, view: V_contra) -> None: ...


def scope_name(scope: frozenset[int] | None) -> str:
    """A room name's part for a scope: 'all', or a short hash of its machines (the same set, the same name)."""
    return 'all' if scope is None else hashlib.sha1(','.join(map(str, sorted(scope))).encode()).hexdigest()[:16]


def set_prop(element: ui.element, name: str, value: object, *, sent: bool) -> None:
    """Set a prop of an element; `sent`: its room's message delivered the value to the screen already, so the
    element keeps it without a message of its own (a reload or a reconnect draws the same state)."""
    if sent:
        with element.props.suspend_updates():
            element.props[name] = value
    else:
        element.props[name] = value


def live(client: Client) -> bool:
    """Whether the client has a socket that receives room messages (the simulated user's have none)."""
    return any(not sid.startswith('test-') for sid in sockets(client))


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


class Rooms(Generic[K, V]):
    """The members of each key, and the publication of the keys a change touched.

    `read(key)` reads and builds the key's view; `payload(view)` is what the room's sockets receive as `event`.
    """

    def __init__(self, event: str, name: Callable[[K], str], read: Callable[[K], Awaitable[V]],
                 payload: Callable[[V], dict[str, Any]]) -> None:
        self.event, self.name, self.read, self.payload = event, name, read, payload
        self.members: dict[K, weakref.WeakSet[Member[V]]] = {}
        self.last: dict[K, V] = {}  # the view last published for each open key
        self.pending: set[K] = set()
        self.running: list[asyncio.Task[None]] = []

    def reset(self) -> None:
        """Forget every member and view (the process's subscriptions were cleared: tests)."""
        for state in (self.members, self.last, self.pending, self.running):
            state.clear()

    def join(self, member: Member[V], key: K) -> None:
        """The member gets the views of this key, and its client's sockets the key's room messages."""
        self.members.setdefault(key, weakref.WeakSet()).add(member)
        for sid in sockets(member.client):
            move_socket(sid, [], [self.name(key)])

    def leave(self, member: Member[V], key: K) -> None:
        members = self.members.get(key)
        if members is not None:
            members.discard(member)
        for sid in sockets(member.client):
            move_socket(sid, [self.name(key)], [])

    def request(self, keys: Iterable[K]) -> None:
        """Publish these keys' views soon (those with an open screen)."""
        if core.app.is_stopping or core.app.is_stopped:
            return
        self.pending.update([key for key in list(keys) if self._open(key)])  # read before _open forgets keys
        if self.pending and not (self.running and not self.running[0].done()):
            self.running[:] = [background_tasks.create(self._publish(), name=f'rooms-{self.event}')]

    def _open(self, key: K) -> bool:
        """Whether a screen of this key is open (the closed ones are forgotten here)."""
        members = self.members.get(key)
        for member in [m for m in members or () if m.client.is_deleted]:
            members.discard(member)  # type: ignore[union-attr]
        if not members:
            self.members.pop(key, None)
            self.last.pop(key, None)
            return False
        return True

    async def _publish(self) -> None:
        """Publish every pending key's view; changes that arrive meanwhile make one more round."""
        while self.pending:
            keys = list(self.pending)
            self.pending.clear()
            try:
                await self._round(keys)
            except asyncio.CancelledError:
                raise
            except Exception:  # a failed read: the next change publishes again; screens keep their last view
                logger.exception('publishing %s to %d rooms failed', self.event, len(keys))

    async def _round(self, keys: list[K]) -> None:
        reads = {key: asyncio.ensure_future(self.read(key)) for key in keys}  # together: their reads are shared
        try:
            for key in keys:
                view = self.last[key] = await reads[key]
                await core.sio.emit(self.event, self.payload(view), room=self.name(key))
                for member in list(self.members.get(key, ())):
                    if not member.client.is_deleted:
                        member.take(view)
        finally:  # a failed round leaves no read behind, and no failure unretrieved
            for read in reads.values():
                if not read.done():
                    read.cancel()
                elif not read.cancelled():
                    read.exception()
