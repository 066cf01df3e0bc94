"""Live updates without a queue: a burst of changes makes a screen update at most twice, and screens share reads."""
import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

from nicegui import Event, background_tasks, core, ui

from components.language import enter
from components.worker import io

K = TypeVar('K', bound=Hashable)
R = TypeVar('R')


class Coalesced:
    """Runs an async update of one screen; requests while it runs make it run once more afterwards, not N times.

    `request()` is cheap and synchronous, so an event subscriber can call it: the reading and the element updates
    happen in a background task, after the emitter (e.g. the API request that saved the change) has moved on.
    """

    def __init__(self, job: Callable[[], Awaitable[None]], name: str) -> None:
        self.job, self.name = job, name
        self.client = ui.context.client
        self.pending = self.running = False
        self.runs = 0  # how often the job ran, for tests

    def request(self) -> None:
        """Run the update soon. Not while the server stops: a change whose event arrives after the shutdown
        cancelled the tasks would leave one behind that never runs and outlives its event loop."""
        self.pending = True
        if core.app.is_stopping or core.app.is_stopped:
            return
        if not self.running and not self.client.is_deleted:
            self.running = True
            background_tasks.create(self._run(), name=self.name)

    async def _run(self) -> None:
        enter(self.client)  # this task was created by whoever requested it (e.g. another user's save)
        try:
            while self.pending and not self.client.is_deleted:
                self.pending = False
                self.runs += 1
                await self.job()
        finally:
            self.running = False


class SharedLoad(Generic[K, R]):
    """One blocking read for every screen that asks at about the same time (e.g. right after one change).

    Screens that ask while a read for the same key is running join it instead of each hopping to a worker thread
    (fifty screens were fifty thread hops per change, fighting the event loop for the GIL). `invalidate()`, called
    by the screens' event subscribers, makes the next ask start a fresh read, so nobody joins a read that began
    before the change it is reacting to.
    """

    def __init__(self, func: Callable[[K], R]) -> None:
        self.func = func
        self.running: dict[K, asyncio.Future[R]] = {}
        self.reads = 0  # reads started, for tests

    def invalidate(self) -> None:
        self.running.clear()

    async def get(self, key: K) -> R:
        return await self.ask(key)

    def ask(self, key: K) -> 'asyncio.Future[R]':
        """The read for `key` (joined, or started now), shielded: a caller that is cancelled leaves it running for
        the others. Two reads asked for before awaiting either run at the same time, without a task per screen."""
        future = self.running.get(key)
        if future is None or future.get_loop() is not asyncio.get_running_loop():
            self.reads += 1
            future = self.running[key] = asyncio.ensure_future(io(self.func, key))
            future.add_done_callback(lambda done: self._forget(key, done))
        return asyncio.shield(future)

    def _forget(self, key: K, done: 'asyncio.Future[R]') -> None:
        if self.running.get(key) is done:
            del self.running[key]
        if not done.cancelled():
            done.exception()  # retrieved here, so a failed read nobody awaited is not logged as never retrieved


def subscribe_process_wide(event: Event[Any], func: Callable[..., Any]) -> bool:
    """Subscribe `func` once for the whole process: not run inside the slot of the screen that asked first, nor
    dropped with it. False when it is subscribed already (tests clear the subscriptions: then True again)."""
    if any(callback.func == func for callback in event.callbacks):  # ==: a bound method is a new object each time
        return False
    event.subscribe(func, unsubscribe_on_delete=False)
    for callback in event.callbacks:
        if callback.func == func:
            callback.slot = None
    return True
