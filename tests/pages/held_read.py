"""Holding a screen's first read open across a change: the change's events reach the loop while it runs."""
import asyncio
import threading
from typing import Any

import pytest

from components.coalesce import SharedLoad


class HeldRead:
    """The first read of `load` returns what it read, but only after `release()` (at most 10 s)."""

    def __init__(self, load: SharedLoad[Any, Any], monkeypatch: pytest.MonkeyPatch) -> None:
        real = load.func
        self.reading, self.go_on = threading.Event(), threading.Event()

        def held(key: Any) -> Any:
            result = real(key)
            if not self.reading.is_set():
                self.reading.set()
                self.go_on.wait(10)
            return result

        monkeypatch.setattr(load, 'func', held)

    async def started(self, tries: int) -> None:
        for _ in range(tries):
            if self.reading.is_set():
                return
            await asyncio.sleep(0.1)
        raise AssertionError('the first read never started')

    async def release(self) -> None:
        """Once the change's events have reached the loop."""
        await asyncio.sleep(0.3)
        self.go_on.set()
