"""Blocking work off the event loop, typed: run.io_bound without its shutdown None."""
import asyncio
import contextvars
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from nicegui import app as nicegui_app
from nicegui import run

P = ParamSpec('P')
R = TypeVar('R')


async def io(func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a DB (or other blocking) call in a worker thread and return its result.

    NiceGUI 3 answers None instead of running the call while the server stops, and swallows a cancellation of
    the caller during the call, answering None too (4.0 will raise CancelledError in both cases). Both are turned
    into a cancellation here, so callers never mistake them for a result, and a cancelled timer stops. The call
    runs in a copy of the caller's context (its screen's language).
    """
    # in the caller's context: texts made in the thread (a notification's words) are in the screen's language
    context = contextvars.copy_context()
    result = await run.io_bound(lambda: context.run(func, *args, **kwargs))
    if result is None and (nicegui_app.is_stopping or _being_cancelled()):
        raise asyncio.CancelledError
    return result  # type: ignore[return-value]


def _being_cancelled() -> bool:
    """Whether the calling task was asked to stop (a cancellation io_bound swallowed is still counted)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0
