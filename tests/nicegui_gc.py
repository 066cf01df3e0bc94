"""NiceGUI's reset runs a full garbage collection as a test's app starts and another as it ends. The one at the start
follows the previous app's one at its end with nothing but fixtures in between: it walked the whole heap again to
find almost nothing (~8 ms of CPU per app test, ~2,000 app tests in a CI run). It is left out; the one at the end
stays, so what a test's app leaves behind is still collected before the next test. Between a test without an app
and the next one, Python's own collector runs as it always does.

Private NiceGUI API: without `nicegui.testing.general.gc` and `user_simulation.nicegui_reset_globals` (another
NiceGUI version) nothing changes and both collections run.
"""
import contextlib
import gc
import importlib
from collections.abc import Iterator
from typing import Any

from nicegui.testing import general


class _Collector:
    """`gc` for NiceGUI's reset: its next `collect()` is skipped once `skip_next` is set."""

    def __init__(self) -> None:
        self.skip_next = False

    def collect(self, *args: Any) -> int:
        if self.skip_next:
            self.skip_next = False
            return 0
        return gc.collect(*args)

    def __getattr__(self, name: str) -> Any:
        return getattr(gc, name)


def collect_once_per_app() -> None:
    original = general.nicegui_reset_globals
    if not isinstance(getattr(general, 'gc', None), type(gc)) or getattr(original, 'collects_once', False):
        return
    collector = _Collector()
    general.gc = collector  # type: ignore[assignment]

    @contextlib.contextmanager
    def reset_globals() -> Iterator[None]:
        collector.skip_next = True  # the first collection in the reset: the one as the app starts
        try:
            with original():
                collector.skip_next = False
                yield
        finally:
            collector.skip_next = False

    reset_globals.collects_once = True  # type: ignore[attr-defined]
    general.nicegui_reset_globals = reset_globals  # type: ignore[assignment]
    simulation = importlib.import_module('nicegui.testing.user_simulation')  # the package names a function so too
    if getattr(simulation, 'nicegui_reset_globals', None) is original:
        simulation.nicegui_reset_globals = reset_globals
