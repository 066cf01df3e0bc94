"""Routers on the design's paths."""
from collections.abc import Callable
from typing import TypeVar

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.db import session_scope

T = TypeVar('T')


async def in_session(work: Callable[[Session], T]) -> T:
    """Run `work(session)` in a worker thread with its own short session (never blocks the event loop)."""
    def run() -> T:
        with session_scope() as session:
            return work(session)
    return await run_in_threadpool(run)
