"""The suite's own guard (tests/conftest.py): a page's task left running on an ended test's loop is forgotten quietly,
so it fails no later test when it is collected."""
import asyncio
import gc
import logging

import pytest
from nicegui import background_tasks

from tests.conftest import forget_tasks_of_ended_loops


def test_a_task_of_an_ended_loop_is_forgotten_without_an_error_log(caplog: pytest.LogCaptureFixture) -> None:
    async def start() -> None:
        background_tasks.running_tasks.add(asyncio.ensure_future(asyncio.Event().wait()))  # never finishes
        await asyncio.sleep(0)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(start())
    loop.close()
    with caplog.at_level(logging.WARNING):
        forget_tasks_of_ended_loops()
        gc.collect()
    assert not [t for t in background_tasks.running_tasks if t.get_loop() is loop]
    assert 'forgetting task' in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
