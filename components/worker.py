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

    NiceGUI 3 answers None instead of running the call while the server stops (4.0 will cancel); that is
    turned into a cancellation here, so callers never mistake it for a result. The call runs in a copy of the
    caller's context (its screen's language).
    """
    # in the caller's context: texts made in the thread (a notification's words) are in the screen's language
    context = contextvars.copy_context()
    result = await run.io_bound(lambda: context.run(func, *args, **kwargs))
    if result is None and nicegui_app.is_stopping:
        raise asyncio.CancelledError
    return result  # type: ignore[return-value]
