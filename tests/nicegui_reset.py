"""NiceGUI's reset around every test's app (`nicegui_reset_globals`), without two costs that prove nothing:

- It runs a full garbage collection as a test's app starts and another as it ends. The one at the start follows the
  previous app's one at its end with nothing but fixtures in between: it walked the whole heap again to find almost
  nothing (~8 ms of CPU per app test, ~2,000 app tests in a CI run). It is left out; the one at the end stays, so what
  a test's app leaves behind is still collected before the next test.
- It removes the modules of the app's page functions, so the next test's main.py imports them again (16 ms). Our
  page modules only declare their screens (components/page.py) and hold no state of a test; they are kept, and
  main.py's `pages.install()` serves them on the next test's app anew.

Private NiceGUI API: without `nicegui.testing.general.gc` and `user_simulation.nicegui_reset_globals` (another
NiceGUI version) nothing changes: both collections run and the pages are imported again.
"""
import contextlib
import gc
import importlib
import sys
from collections.abc import Iterator
from typing import Any

from nicegui.testing import general

KEPT = 'pages'  # the package whose modules stay imported between tests


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


def install() -> None:
    original = general.nicegui_reset_globals
    if not isinstance(getattr(general, 'gc', None), type(gc)) or getattr(original, 'lighter', False):
        return
    collector = _Collector()
    general.gc = collector  # type: ignore[assignment]

    @contextlib.contextmanager
    def reset_globals() -> Iterator[None]:
        collector.skip_next = True  # the first collection in the reset: the one as the app starts
        kept: dict[str, Any] = {}
        try:
            with original():
                collector.skip_next = False
                try:
                    yield
                finally:
                    kept = {name: module for name, module in sys.modules.items()
                            if name == KEPT or name.startswith(KEPT + '.')}
        finally:
            collector.skip_next = False
            sys.modules.update(kept)  # back after NiceGUI removed them

    reset_globals.lighter = True  # type: ignore[attr-defined]
    general.nicegui_reset_globals = reset_globals  # type: ignore[assignment]
    simulation = importlib.import_module('nicegui.testing.user_simulation')  # the package names a function so too
    if getattr(simulation, 'nicegui_reset_globals', None) is original:
        simulation.nicegui_reset_globals = reset_globals
