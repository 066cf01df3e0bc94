"""`page`: NiceGUI's `ui.page` with the app's defaults, used by every screen instead of `ui.page` itself.

A screen's module declares it with `@page(path)`; `install()` serves every declared screen on NiceGUI's app
(main.py, through `pages.install()`), so importing a page module registers nothing by itself and the same modules
serve every app of a process (each test's app runs main.py again).

NiceGUI shows a terminal error page when a page function needs more than `response_timeout` (3 s by default) to
build. On a plant's small server under load (a month-end export, a burst of machine signals) a board read can take
longer; the screen should wait for it, not fail.

Every page starts in the browser's language (Accept-Language, else the plant default), so a page nobody is signed
in to speaks the visitor's language; `require_page_actor` (components/session.py) then switches to the user's or
display's own choice before anything is shown.

Every page also clears the browser's User Timing entries now and then: NiceGUI's in-browser Tailwind compiler marks
and measures each style build (one follows every DOM change it sees) and never clears them, and the browser keeps
them all, so a screen left open for weeks grew by ~1 kB per update (docs/BENCHMARKS.md, Soak).
"""
import functools
import inspect
from collections.abc import Callable
from typing import Any

from nicegui import ui
from starlette.responses import RedirectResponse

from components.language import speak_browser_language

BUILD_SECONDS = 30.0  # how long a page may take to build before NiceGUI gives up on it
# Clears only between two builds: a build whose "(start)" mark has no "(end)" yet still needs its marks.
FORGET_STYLE_TIMINGS = '''<script>
setInterval(function () {
  const open = {};
  for (const mark of performance.getEntriesByType('mark')) {
    const step = /^(.*) \\((start|end)\\)$/.exec(mark.name);
    if (step) open[step[1]] = (open[step[1]] || 0) + (step[2] === 'start' ? 1 : -1);
  }
  if (Object.values(open).some(count => count > 0)) return;
  performance.clearMarks();
  performance.clearMeasures();
}, 5000);
</script>'''


class LeavePage(Exception):  # noqa: N818 - it is an answer, not an error
    """Raised while a page builds: the browser is sent to `target` by an HTTP redirect (303), before anything of
    the page reaches it."""

    def __init__(self, target: str) -> None:
        super().__init__(target)
        self.target = target


# path -> (ui.page's arguments, the page function): every screen, declared as its module is imported
_declared: dict[str, tuple[dict[str, Any], Callable[..., Any]]] = {}


def page(path: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare the screen at `path`: `ui.page(path, ...)` once `install` runs, with `response_timeout=BUILD_SECONDS`
    unless the page sets its own, building the page in the visitor's language."""
    kwargs.setdefault('response_timeout', BUILD_SECONDS)

    def declare(func: Callable[..., Any]) -> Callable[..., Any]:
        _declared[path] = (kwargs, func)
        return func
    return declare


def install() -> None:
    """Serve every declared screen on NiceGUI's app (main.py, once per app), in the order they were declared."""
    for path, (kwargs, func) in _declared.items():
        ui.page(path, **kwargs)(in_language(func))


def in_language(func: Callable[..., Any]) -> Callable[..., Any]:
    """The page function, run after the page's first language is set (in the task that builds the page)."""
    def begin() -> None:
        speak_browser_language()
        ui.add_head_html(FORGET_STYLE_TIMINGS)

    if inspect.iscoroutinefunction(func):
        @functools.wraps(func)
        async def build_async(*args: Any, **kwargs: Any) -> Any:
            begin()
            try:
                return await func(*args, **kwargs)
            except LeavePage as leave:
                return RedirectResponse(leave.target, status_code=303)
        return build_async

    @functools.wraps(func)
    def build(*args: Any, **kwargs: Any) -> Any:
        begin()
        return func(*args, **kwargs)
    return build
