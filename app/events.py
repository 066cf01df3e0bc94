"""Domain events: ids only, emitted after a commit. The only module of app/ that imports NiceGUI."""
import asyncio
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from nicegui import Event

logger = logging.getLogger(__name__)

machine_changed = Event[int]()          # machine id: status, open problem or downtime changed
problem_log_changed = Event[int]()      # problem log id: created, edited, transitioned, photo added/removed
notifications_changed = Event[int]()    # recipient user id: a notification was created or read
access_changed = Event[int]()           # user id whose role, activity or assignments changed
display_changed = Event[int]()          # display device id: revoked or rescoped
taxonomy_changed = Event[int]()         # category id (0 for many)

ALL_EVENTS: tuple[Event[int], ...] = (
    machine_changed, problem_log_changed, notifications_changed, access_changed, display_changed, taxonomy_changed,
)
EVENTS_BY_NAME: dict[str, Event[int]] = {
    'machine_changed': machine_changed,
    'problem_log_changed': problem_log_changed,
    'notifications_changed': notifications_changed,
    'access_changed': access_changed,
    'display_changed': display_changed,
    'taxonomy_changed': taxonomy_changed,
}
NAMES_BY_EVENT = {id(event): name for name, event in EVENTS_BY_NAME.items()}
Change = tuple[Event[int], int]  # an event and its id

_loop: asyncio.AbstractEventLoop | None = None
# Forwarders send local events to other processes (PostgreSQL NOTIFY); they get (name, id).
_forwarders: list[Callable[[str, int], None]] = []
# Events a caller holds back in this thread until its own, outer commit (see `held`).
_held = threading.local()


def bind_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Remember the server's event loop, so services running in worker threads can emit safely."""
    global _loop
    _loop = loop


def add_forwarder(forwarder: Callable[[str, int], None]) -> None:
    _forwarders.append(forwarder)


def clear_forwarders() -> None:
    _forwarders.clear()


def publish(event: Event[int], value: int) -> None:
    """Emit on this process's event loop (from any thread) and hand the event to the forwarders."""
    publish_all([(event, value)])


def publish_all(items: list[Change]) -> None:
    """The events of one commit, emitted together: from a worker thread they reach the loop in one callback, so a
    screen reacting to several of them (the overview to a problem and its machine) updates once, not once per event
    that happened to arrive first. Inside `held` they are collected instead."""
    collecting: list[Change] | None = getattr(_held, 'items', None)
    if collecting is not None:
        collecting.extend(items)
        return
    emit_all_local(items)
    for event, value in items:
        name = NAMES_BY_EVENT[id(event)]
        for forward in list(_forwarders):
            forward(name, value)


@contextmanager
def held() -> Iterator[list[Change]]:
    """Collect what services publish in this thread instead of emitting it: their commits are savepoints of an
    outer transaction (the JMF receiver's group commit), and screens that re-read before it commits find nothing.
    The caller publishes the collected events after that commit, or drops them when its work was rolled back."""
    outer: list[Change] | None = getattr(_held, 'items', None)
    items: list[Change] = []
    _held.items = items
    try:
        yield items
    finally:
        _held.items = outer


def unique(items: list[Change]) -> list[Change]:
    """The events in order, each once."""
    seen: set[tuple[int, int]] = set()
    result = []
    for event, value in items:
        if (id(event), value) not in seen:
            seen.add((id(event), value))
            result.append((event, value))
    return result


def emit_local(event: Event[int], value: int) -> None:
    emit_all_local([(event, value)])


def emit_all_local(items: list[Change]) -> None:
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is not None and (_loop is None or running is _loop):
        _emit(items)
    elif _loop is not None and not _loop.is_closed():
        _loop.call_soon_threadsafe(_emit, items)
    else:
        logger.debug('no event loop bound; events %s not delivered',
                     [(NAMES_BY_EVENT.get(id(event)), value) for event, value in items])


def _emit(items: list[Change]) -> None:
    for event, value in items:
        event.emit(value)


def clear_subscriptions() -> None:
    """Drop every subscriber (tests call this before and after each test; see NICEGUI.md)."""
    for event in ALL_EVENTS:
        event.callbacks.clear()
