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

Every page links the app's Tailwind CSS, built ahead of time (scripts/build-css; NiceGUI's in-browser compiler is off,
main.py): a compiler in each browser scanned the whole page after every change the screen drew, and on every load.
"""
import functools
import hashlib
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from nicegui import app, ui
from starlette.responses import RedirectResponse

from components.language import speak_browser_language

BUILD_SECONDS = 30.0  # how long a page may take to build before NiceGUI gives up on it
STYLESHEET = Path(__file__).parent / 'styles' / 'tailwind.css'
# named by its content, so a browser may keep it a year and still gets a new build at once
STYLESHEET_URL = f'/static/tailwind-{hashlib.sha256(STYLESHEET.read_bytes()).hexdigest()[:12]}.css'
YEAR = 365 * 24 * 3600


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
    app.add_static_file(local_file=STYLESHEET, url_path=STYLESHEET_URL, max_cache_age=YEAR)
    for path, (kwargs, func) in _declared.items():
        ui.page(path, **kwargs)(in_language(func))


def link_stylesheet() -> None:
    """The page links the app's Tailwind CSS (behind a proxy's path prefix, as NiceGUI's own files)."""
    request = ui.context.client.request
    prefix = quote(request.headers.get('X-Forwarded-Prefix', ''), safe='/') if request is not None else ''
    ui.add_head_html(f'<link rel="stylesheet" href="{prefix}{STYLESHEET_URL}">')


def in_language(func: Callable[..., Any]) -> Callable[..., Any]:
    """The page function, run after the page's first language is set (in the task that builds the page)."""
    def begin() -> None:
        speak_browser_language()
        link_stylesheet()

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
