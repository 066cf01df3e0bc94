"""`main.py` under cProfile, for finding the server's per-screen cost (run by bench/fanout.py --profile FILE).

Profiles the event loop's thread (where NiceGUI builds and updates pages) from start to shutdown and writes the
stats to $CTP_PROFILE_OUT when the server shuts down (SIGTERM). The REST routes' worker-thread calls (the save, the
roll-up, the read-back: `run_in_threadpool`) run inline on that thread here, so the profile holds the write path too
(cProfile sees one thread); the figures of a profiled run are not the server's.
"""
import cProfile
import os
import runpy
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __name__ in {'__main__', '__mp_main__'}:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import starlette.concurrency
    from nicegui import app

    async def inline(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    starlette.concurrency.run_in_threadpool = inline  # before main.py imports the routes

    profiler = cProfile.Profile()

    def dump() -> None:
        profiler.disable()
        profiler.dump_stats(os.environ['CTP_PROFILE_OUT'])

    app.on_shutdown(dump)
    profiler.enable()
    runpy.run_path(str(Path(__file__).resolve().parents[1] / 'main.py'), run_name='__main__')
