"""components.worker.io: a screen's blocking call that is cancelled ends cancelled, never as a None result."""
import asyncio
import threading

import pytest

from components.worker import io


async def test_a_call_cancelled_while_it_runs_ends_the_caller_cancelled() -> None:
    """NiceGUI 3's run.io_bound swallows the cancellation and answers None; a timer's callback then carried on
    (a wall screen's code poll unpacked None and its timer never stopped, so the test's event loop never closed)."""
    started, release = threading.Event(), threading.Event()

    def blocking() -> tuple[str, str]:
        started.set()
        release.wait(30)
        return 'code', 'secret'

    task = asyncio.create_task(io(blocking))
    while not started.is_set():
        await asyncio.sleep(0.01)
    task.cancel()
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert task.cancelled()


async def test_a_call_that_answers_none_answers_none() -> None:
    assert await io(lambda: None) is None
    assert await io(lambda: ('code', 'secret')) == ('code', 'secret')
