"""Live updates without a queue: a burst of changes makes a screen update at most twice, never once per change."""
from collections.abc import Awaitable, Callable

from nicegui import background_tasks, ui


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
        self.pending = True
        if not self.running and not self.client.is_deleted:
            self.running = True
            background_tasks.create(self._run(), name=self.name)

    async def _run(self) -> None:
        try:
            while self.pending and not self.client.is_deleted:
                self.pending = False
                self.runs += 1
                await self.job()
        finally:
            self.running = False
